"""Training elsewhere: a supervised child process here (torch-free), or another host over SSH."""
