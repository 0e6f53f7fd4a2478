"""What people see: the district report, the fix lists, the forms, the status, the explorer and the
dashboard. Views read the pipeline's results; the pipeline never imports a view
(``tests/test_imports.py``)."""
