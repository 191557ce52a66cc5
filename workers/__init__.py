"""RQ workers: queues, thin job entry points and the periodic schedule."""
