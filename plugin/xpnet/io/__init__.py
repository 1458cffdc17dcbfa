"""Reading and writing, below the engine and above the yaml package: ResourceLists, files and
stdin, configuration files. The adapters read through it, run the engine, write through it and
report; the engine and the modules it runs never read or write."""
