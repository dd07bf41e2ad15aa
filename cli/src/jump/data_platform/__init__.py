"""Jump Data Platform: extract the App and the CRM, load the lakehouse, transform it with dbt."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jump-data-platform")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
