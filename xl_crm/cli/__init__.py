"""The ``xl-crm`` command line: a thin shell over the library."""
