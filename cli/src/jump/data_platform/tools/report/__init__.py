"""`data-platform report`: one self-contained HTML dashboard of the marts, per refresh."""

from jump.data_platform.tools.report.page import BuiltReport, build_report, write_report

__all__ = ["BuiltReport", "build_report", "write_report"]
