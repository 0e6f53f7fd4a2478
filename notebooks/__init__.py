"""The notebooks shipped with eduwb (package data ``eduwb.notebooks``): analysts open them here;
``eduwb batch`` and ``eduwb dashboard`` find them through :func:`eduwb.views.district_report.notebook_file`."""
