"""Live training: a run that goes on while the user labels, fed through a control channel."""
