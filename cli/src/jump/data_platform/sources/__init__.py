"""The simulated applications (the App and the CRM) and how `extract` writes them."""
