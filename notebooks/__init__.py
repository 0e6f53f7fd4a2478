"""The notebooks shipped with eduwb (package data ``eduwb.notebooks``): analysts open them here;
``eduwb batch`` and ``eduwb dashboard`` find them through :func:`eduwb.notebook.notebook_file`."""
