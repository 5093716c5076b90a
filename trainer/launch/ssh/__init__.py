"""Training on another machine over SSH: the system's OpenSSH client and rsync, nothing to
install on the host beyond Python.

* ``transport``: one ControlMaster connection per run; ssh's failures as one clear line.
* ``wheel`` / ``remote_env``: the same Polymask version in a virtual environment on the host.
* ``sync``: the run's COCO file and only the images it needs, incrementally (rsync).
* ``remote``: what runs on the host: the detached trainer, its event log and the attach client.
* ``session``: ``remote_fit(config, target, stop)`` yields the run's events like ``fit``.

Torch-free and Qt-free on the local side (the laptop may not even have a GPU build of torch)."""
