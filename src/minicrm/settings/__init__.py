"""`minicrm config`: the settings of the config file, listed, read and changed."""
