"""The network: building it by name, initial weights, checkpoints, which epoch's weights are best."""
