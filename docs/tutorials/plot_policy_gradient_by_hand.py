r"""
The policy gradient, by hand
============================

How is :math:`\nabla \ln \pi(A_t|S_t, \theta)` computed, and why does autograd on
:math:`-G_t \ln \pi(A_t|S_t, \theta)` give the same vector? This page answers it for a
linear softmax policy on one toy state (Sutton & Barto, 2nd ed., §13.2–13.3), then for
the Gaussian policy of §13.7. Every number and picture is computed when the page is
built, from the installed pgfast.

A linear softmax policy over :math:`k` actions has one weight vector :math:`\theta_b` per
action and a bias :math:`b_b`; with features :math:`x(s)` the preferences are
:math:`h_b = \theta_b^\top x(s) + b_b` and (eqs. 13.2–13.3)

.. math::

   \pi(b|s) = \frac{e^{h_b}}{\sum_c e^{h_c}}, \qquad
   \ln \pi(a|s) = h_a - \log \sum_c e^{h_c}.

Differentiating, :math:`\partial h_a / \partial \theta_b = 1[a=b]\, x(s)` and the
log-sum-exp contributes :math:`\pi(b|s)\, x(s)`, so the eligibility vector (eq. 13.9) is
the outer product

.. math::

   \nabla_{\theta} \ln \pi(a|s) = (e_a - \pi(\cdot|s)) \otimes x(s).
"""

# %%
# A toy state
# -----------
# Two features, three actions, a bias per action: 2·3 weights then 3 biases, nine
# parameters in one writable float64 view ``pol.params`` (W row-major, then b).
import matplotlib.pyplot as plt
import numpy as np
import pgfast
import pgfast.reference

rng = np.random.default_rng(13)
pol = pgfast.LinearSoftmax(n_features=2, n_actions=3, bias=True)
pol.params[:] = rng.normal(scale=0.8, size=pol.n_params)
x = np.array([0.5, -1.2])
a = 2

pi = pol.probs(x)
print("theta =", np.round(pol.params, 4))
print("pi(.|s)      =", np.round(pi, 6), " sum =", pi.sum())
print("ln pi(a=2|s) =", pol.log_prob(x, a), " = log(pi[2]) =", np.log(pi[a]))

# %%
# The eligibility vector, three ways
# ----------------------------------
# 1. **Closed form**: the C++ core (:meth:`pgfast.LinearSoftmax.grad_log_prob`), its
#    NumPy twin :class:`pgfast.reference.LinearSoftmax`, and the outer product written
#    out here.
e_a = np.eye(3)[a]
by_hand = np.concatenate([np.outer(e_a - pi, x).ravel(), e_a - pi])  # W rows, then the bias
core = pol.grad_log_prob(x, a)
twin = pgfast.reference.LinearSoftmax(2, 3, bias=True, params=pol.params.copy()).grad_log_prob(x, a)

# %%
# 2. **Central finite differences** on ln π, one parameter at a time.
def log_pi(theta: np.ndarray) -> float:
    """Return ln pi(a|x) at parameters theta (the core's log_prob)."""
    saved = pol.params.copy()
    pol.params[:] = theta
    value = pol.log_prob(x, a)
    pol.params[:] = saved
    return float(value)


h = 1e-6
theta0 = pol.params.copy()
finite_diff = np.array([(log_pi(theta0 + h * e) - log_pi(theta0 - h * e)) / (2 * h)
                        for e in np.eye(pol.n_params)])

# %%
# 3. **Autograd on the loss** :math:`L(\theta) = -G \ln \pi(a|x, \theta)`. The return
#    :math:`G` is a constant with respect to θ (a sum of observed rewards), so
#    :math:`\nabla L = -G \nabla \ln \pi` and :math:`-\nabla L / G` is the eligibility.
#    PyTorch is used when it is installed, else HIPS `autograd
#    <https://github.com/HIPS/autograd>`_ (a few hundred kB of pure Python: what the docs
#    build installs, where PyTorch's wheels would pull gigabytes of CUDA libraries).
G = 3.7


def autograd_eligibility(theta: np.ndarray) -> tuple[str, np.ndarray]:
    """Return (library, -grad L / G) with L = -G ln pi(a|x, theta)."""
    try:
        import torch
    except ImportError:
        import autograd
        import autograd.numpy as anp

        def loss(t):
            h_ = anp.dot(anp.reshape(t[:6], (3, 2)), x) + t[6:]
            log_pi_ = h_ - (anp.max(h_) + anp.log(anp.sum(anp.exp(h_ - anp.max(h_)))))
            return -G * log_pi_[a]

        return "autograd", -autograd.grad(loss)(theta) / G
    t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    h_ = t[:6].reshape(3, 2) @ torch.tensor(x) + t[6:]
    loss = -G * torch.log_softmax(h_, dim=0)[a]
    loss.backward()
    return "torch", -t.grad.numpy() / G


library, by_autograd = autograd_eligibility(theta0)

# %%
# Side by side (rows: θ_0 weights, θ_1 weights, θ_2 weights, then the three biases):
names = [f"W[{b},{j}]" for b in range(3) for j in range(2)] + [f"b[{b}]" for b in range(3)]
print(f"{'param':>7} {'by hand':>12} {'pgfast':>12} {'twin':>12} {'finite diff':>12} {library:>12}")
for i, name in enumerate(names):
    print(f"{name:>7} {by_hand[i]:12.8f} {core[i]:12.8f} {twin[i]:12.8f} {finite_diff[i]:12.8f} "
          f"{by_autograd[i]:12.8f}")
print("max |pgfast - by hand|     =", np.max(np.abs(core - by_hand)))
print("max |pgfast - twin|        =", np.max(np.abs(core - twin)))
print("max |pgfast - finite diff| =", np.max(np.abs(core - finite_diff)))
print(f"max |pgfast - {library}| =", np.max(np.abs(core - by_autograd)))
assert np.array_equal(core, twin)  # the twin is bit-identical
assert np.allclose(core, by_hand, rtol=0, atol=1e-15)
assert np.allclose(core, finite_diff, rtol=0, atol=1e-8)
assert np.allclose(core, by_autograd, rtol=0, atol=1e-12)

# %%
# π over a 2-D feature space
# --------------------------
# Each panel is π(a|x) for one action a over a grid of feature vectors x, and the arrows
# are the x-part of that action's row of the eligibility,
# :math:`\nabla_{\theta_a} \ln \pi(a|x) = (1 - \pi(a|x))\, x`: the direction in which
# θ_a moves when action a is taken in state x and reinforced. The arrows are long where
# the action was unlikely (a surprise is a big step) and vanish where π(a|x) → 1.
grid = np.linspace(-2.5, 2.5, 101)
X1, X2 = np.meshgrid(grid, grid)
states = np.column_stack([X1.ravel(), X2.ravel()])
P = pol.probs(states)  # (N, 3): a batch in one call
coarse = np.linspace(-2.25, 2.25, 10)
C1, C2 = np.meshgrid(coarse, coarse)
cstates = np.column_stack([C1.ravel(), C2.ravel()])
fig, axes = plt.subplots(1, 3, figsize=(12, 4), sharey=True, layout="constrained")
for b, ax in enumerate(axes):
    im = ax.contourf(X1, X2, P[:, b].reshape(X1.shape), levels=np.linspace(0, 1, 11), cmap="viridis")
    g = pol.grad_log_prob(cstates, np.full(len(cstates), b))  # (N, 9)
    rows = g[:, 2 * b:2 * b + 2]  # the row of theta_b
    ax.quiver(C1, C2, rows[:, 0], rows[:, 1], color="white", angles="xy")
    ax.set_title(f"π({b}|x) and ∇_θ{b} ln π({b}|x)")
    ax.set_xlabel("x₁")
axes[0].set_ylabel("x₂")
fig.colorbar(im, ax=axes, shrink=0.9)
plt.show()

# %%
# One REINFORCE update, before and after
# --------------------------------------
# An episode of three steps ends (terminated) with rewards 0, 0, 1. The returns are
# computed backwards (:func:`pgfast.discounted_returns`), the summed policy gradient
# :math:`\sum_t G_t \nabla \ln \pi(A_t|S_t)` in one call (:func:`pgfast.policy_gradient`),
# and one plain SGD ascent step θ ← θ + α Σ_t G_t ∇ ln π (box p. 328, without γ^t) is
# taken by :class:`pgfast.optim.SGD`.
S = np.array([[0.5, -1.2], [1.5, 0.3], [-1.0, 1.0]])
A = np.array([2, 0, 1])
rewards = np.array([0.0, 0.0, 1.0])
terminated = np.array([False, False, True])
Gt = pgfast.discounted_returns(rewards, terminated, gamma=0.9)
grad = pgfast.policy_gradient(pol, S, A, Gt)
assert np.allclose(grad, (Gt[:, None] * pol.grad_log_prob(S, A)).sum(axis=0), rtol=0, atol=1e-15)
before = pol.probs(S)
theta_before = pol.params.copy()
pgfast.optim.SGD(lr=0.5).step(pol.params, grad)
after = pol.probs(S)
print("G_t =", Gt)
print("step: max |theta_after - (theta_before + 0.5 * grad)| =",
      np.max(np.abs(pol.params - (theta_before + 0.5 * grad))))
alone = []  # pi(A_t|S_t) after a step along step t's term only
for t in range(3):
    single = pgfast.LinearSoftmax(n_features=2, n_actions=3, bias=True)
    single.params[:] = theta_before + 0.5 * Gt[t] * pol.grad_log_prob(S[t], A[t])
    alone.append(single.probs(S[t])[A[t]])
    print(f"t={t}: pi(A_t={A[t]}|S_t) {before[t, A[t]]:.4f} -> {after[t, A[t]]:.4f} "
          f"(a step along its own term alone: {alone[t]:.4f})")
assert all(alone[t] > before[t, A[t]] for t in range(3))

fig, axes = plt.subplots(1, 3, figsize=(12, 3), sharey=True, layout="constrained")
for t, ax in enumerate(axes):
    ax.bar(np.arange(3) - 0.2, before[t], width=0.4, label="before")
    ax.bar(np.arange(3) + 0.2, after[t], width=0.4, label="after")
    ax.set_xticks(range(3))
    ax.set_title(f"S_{t} = {S[t]}, A_{t} = {A[t]}, G_{t} = {Gt[t]:.2f}")
    ax.set_xlabel("action")
axes[0].set_ylabel("π(a|S_t)")
axes[0].legend()
plt.show()

# %%
# Each step's own term G_t ∇ ln π(A_t|S_t) alone makes its action more likely in its
# state when G_t > 0 (to first order ln π changes by α G_t ‖∇ ln π‖² > 0: the numbers
# in parentheses). The update is their *sum*, and the states share θ: another step's term
# moves the same weights, so the summed step can lower an action's probability in its
# own state (compare "after" with the number in parentheses). Over many episodes these
# cross-effects average out: that is the expectation in the policy-gradient theorem
# (eq. 13.5).
#
# The Gaussian policy (eqs. 13.19–13.20)
# --------------------------------------
# For continuous actions, :class:`pgfast.LinearGaussian` has a mean
# :math:`\mu(s) = \theta_\mu^\top x(s)` (+ bias) and a learned log-standard deviation
# :math:`l`, :math:`\sigma = e^{l}` (state-independent by default). With
# :math:`\ln \pi(a|s) = -\frac{(a-\mu)^2}{2\sigma^2} - l - \frac{1}{2}\ln 2\pi`,
#
# .. math::
#
#    \nabla_{\theta_\mu} \ln \pi = \frac{a - \mu}{\sigma^2}\, x(s), \qquad
#    \frac{\partial \ln \pi}{\partial l} = \frac{(a - \mu)^2}{\sigma^2} - 1.
#
# (:math:`l` is clamped to [−20, 2]; outside the clamp its gradient is 0.)
gauss = pgfast.LinearGaussian(n_features=2, action_dim=1, bias=True, log_std_init=-0.3)
gauss.params[:3] = [0.4, -0.7, 0.1]  # theta_mu (weights, then bias); params[3] is l
act = np.array([0.9])
mu, sigma = gauss.mean(x)[0], np.exp(gauss.log_std[0])
xb = np.append(x, 1.0)
gauss_by_hand = np.append((act[0] - mu) / sigma**2 * xb, (act[0] - mu) ** 2 / sigma**2 - 1)
gauss_core = gauss.grad_log_prob(x, act)


def gauss_log_pi(theta: np.ndarray) -> float:
    """Return ln pi(act|x) at parameters theta."""
    saved = gauss.params.copy()
    gauss.params[:] = theta
    value = gauss.log_prob(x, act)
    gauss.params[:] = saved
    return float(value)


g0 = gauss.params.copy()
gauss_fd = np.array([(gauss_log_pi(g0 + h * e) - gauss_log_pi(g0 - h * e)) / (2 * h)
                     for e in np.eye(gauss.n_params)])
print(f"mu = {mu:.6f}, sigma = {sigma:.6f}, a = {act[0]}")
print("by hand      :", np.round(gauss_by_hand, 8))
print("pgfast       :", np.round(gauss_core, 8))
print("finite diff  :", np.round(gauss_fd, 8))
assert np.allclose(gauss_core, gauss_by_hand, rtol=0, atol=1e-14)
assert np.allclose(gauss_core, gauss_fd, rtol=0, atol=1e-8)

# %%
# The two partial derivatives over the action: the mean's pulls the mean towards a
# (linear in a − μ), the log-std's widens σ for actions farther than one σ from the mean
# and narrows it for closer ones.
acts = np.linspace(mu - 3 * sigma, mu + 3 * sigma, 201)
gr = gauss.grad_log_prob(np.tile(x, (len(acts), 1)), acts[:, None])
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
ax.plot(acts, np.exp(gauss.log_prob(np.tile(x, (len(acts), 1)), acts[:, None])), label="π(a|s)")
ax.plot(acts, gr[:, 2], label="∂ ln π / ∂(mean bias) = (a − μ)/σ²")
ax.plot(acts, gr[:, 3], label="∂ ln π / ∂l = (a − μ)²/σ² − 1")
ax.axhline(0, c="k", lw=0.5)
ax.axvline(mu, c="k", ls=":", lw=0.8)
ax.set_xlabel("action a")
ax.legend(fontsize="small")
plt.show()
