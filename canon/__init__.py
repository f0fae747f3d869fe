"""canon: canonical spaces and disparity matrices of neural networks.

The helper library of an executable companion to H. Jiang, *Why Learning of
Large-Scale Neural Networks Behaves Like Convex Optimization* (arXiv:1903.02140).

Modules
-------
fourier           the canonical space: grids, truncation sets, coefficients (eq. 4-6)
nets              MLPs over a flat parameter vector: the literal space (eq. 3)
initializations   seeded initial parameters (section 3.3.3)
symmetries        permutations, ReLU rescalings, tanh sign flips
losses            convex losses and the objective Q (eq. 1-2)
canonical         learning in the canonical space: Phi, Q(theta), least squares (eq. 7, Theorem 1)
disparity         the disparity matrix H(w) and the gradient identity (eq. 8-9)
ntk               the empirical neural tangent kernel and its compression onto span(Omega)
stationary        Hessians and the classification of stationary points (Lemmas 1-2)
train             Algorithm 1: gradient descent and SGD with a history (Theorem 2)
degeneracy        dead and duplicated units, hyperplanes cutting U, Monte Carlo of initializations
cosine            a second canonical basis: cosines of the even extension (DCT-II)
ledger            certificates and the records the claims ledger is built from
plots             the book's figure style
"""

from .activations import ACTIVATIONS
from .canonical import (
    LeastSquares,
    canonical_gradient,
    canonical_hessian,
    canonical_objective,
    convexity_gaps,
    design_matrix,
    interpolate,
    is_positive_semidefinite,
    least_squares,
    smallest_eigenvalue,
)
from .cosine import (
    CosineSpace,
    cosine_basis_matrix,
    cosine_coefficients,
    cosine_cube_space,
    cosine_disparity_matrix,
    cosine_full_space,
    cosine_gradient_identity,
    cosine_partial_sum,
    cosine_truncation_error,
)
from .degeneracy import (
    cuts_cube,
    cutting_fraction,
    dead_on_cube,
    dead_on_data,
    duplicate_unit,
    duplicated_units,
    kill_units,
    relu_rank_bound,
    relu_rank_cap,
    wilson_interval,
)
from .disparity import disparity_matrix, gradient_identity, numerical_rank, route_costs, singular_values
from .fourier import (
    Grid,
    Omega,
    Space,
    ball,
    basis_matrix,
    coefficient_magnitudes,
    cube,
    cube_space,
    fourier_coefficients,
    full_space,
    midpoint_grid,
    most_significant,
    partial_sum,
    truncation_error,
)
from .initializations import initialize
from .ledger import CLAIMS, certify
from .losses import LOSSES, loss_derivative, loss_values, objective
from .nets import MLP, per_sample_gradients
from .ntk import arc_cosine_kernel, compressed_ntk, ntk_gram, relu_ntk_limit
from .stationary import KINDS, Classification, classify, gradient_norm, hessian, objective_function, probe_neighbourhood
from .train import Run, gradient_descent, ntk_step_size, objective_and_gradient
from .symmetries import flip_units, permute_units, rescale_units

from . import canonical, cosine, degeneracy, ntk, plots, stationary, train

__version__ = "0.1.0"
