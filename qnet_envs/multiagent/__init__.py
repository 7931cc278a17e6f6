"""PettingZoo ParallelEnv fronts over the same core simulations as the Gymnasium envs."""
