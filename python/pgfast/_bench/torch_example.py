"""The PyTorch REINFORCE example's method, for the time-to-solve comparison.

This is the method of PyTorch's ``examples/reinforcement_learning/reinforce.py``: a
2-layer MLP (4 -> 128 -> n_actions) with dropout 0.6 and ReLU, Adam at lr 1e-2,
gamma 0.99, returns standardised per episode, one update per episode on
``-(G * log_prob).sum()``. Only the stopping rule differs: it is the one every method
of the benchmark shares (see :func:`pgfast._bench.solve.solve`).
"""

from __future__ import annotations

import time
from typing import Any, Callable, Optional

import numpy as np


def run(
    seed: int,
    env_id: str,
    max_steps: int,
    on_episode_end: Callable[[list[float], Callable[[np.ndarray], int]], bool],
) -> dict[str, Any]:
    """Train the PyTorch example until ``on_episode_end`` says solved or ``max_steps``.

    Parameters
    ----------
    seed : int
        Seeds PyTorch and the environment.
    env_id : str
        A gymnasium id with a ``Box`` observation and ``Discrete`` actions.
    max_steps : int
        Environment steps before giving up.
    on_episode_end : callable
        ``on_episode_end(episode_returns, greedy_policy) -> solved``; the time it takes
        (evaluation) is excluded from the training time.

    Returns
    -------
    dict
        ``steps`` to solve (None if not solved) and ``train_time_s``.
    """
    import gymnasium as gym
    import torch as _torch

    torch: Any = _torch  # PyTorch's own annotations are partial: treat it as dynamic
    nn: Any = torch.nn

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    env = gym.make(env_id)
    n_obs = int(np.prod(env.observation_space.shape or ()))
    n_act = int(getattr(env.action_space, "n"))  # noqa: B009 - Discrete only

    class Policy(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.affine1 = nn.Linear(n_obs, 128)
            self.dropout = nn.Dropout(p=0.6)
            self.affine2 = nn.Linear(128, n_act)

        def forward(self, x: Any) -> Any:
            x = torch.relu(self.dropout(self.affine1(x)))
            return torch.softmax(self.affine2(x), dim=1)

    policy = Policy()
    optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)
    eps = float(np.finfo(np.float32).eps)
    gamma = 0.99

    def greedy(obs: np.ndarray) -> int:
        policy.eval()
        with torch.no_grad():
            a = int(policy(torch.from_numpy(np.asarray(obs, dtype=np.float32)).unsqueeze(0)).argmax())
        policy.train()
        return a

    returns: list[float] = []
    steps, excluded = 0, 0.0
    solved: Optional[int] = None
    t0 = time.perf_counter()
    state, _ = env.reset(seed=seed)
    while steps < max_steps and solved is None:
        log_probs, rewards = [], []
        done = False
        while not done and steps < max_steps:
            probs = policy(torch.from_numpy(np.asarray(state, dtype=np.float32)).unsqueeze(0))
            m = torch.distributions.Categorical(probs)
            action = m.sample()
            log_probs.append(m.log_prob(action))
            state, r, term, trunc, _ = env.step(int(action.item()))
            rewards.append(float(r))
            steps += 1
            done = term or trunc
        if not done:
            break
        R, G = 0.0, list[float]()
        for r in rewards[::-1]:
            R = r + gamma * R
            G.insert(0, R)
        Gt = torch.tensor(G)
        Gt = (Gt - Gt.mean()) / (Gt.std() + eps)
        loss = torch.cat([-lp * g for lp, g in zip(log_probs, Gt)]).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        returns.append(float(sum(rewards)))
        te = time.perf_counter()
        if on_episode_end(returns, greedy):
            solved = steps
        excluded += time.perf_counter() - te
        state, _ = env.reset()
    env.close()
    return {"steps": solved, "train_time_s": time.perf_counter() - t0 - excluded}
