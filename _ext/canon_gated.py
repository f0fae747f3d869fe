"""Hide gated solutions in the student edition.

sphinx-exercise's ``hide_solutions`` drops a ``{solution}`` directive, but for its gated
form (``{solution-start}`` ... ``{solution-end}``, which the book's code exercises use
so that a solution can hold a code cell) it drops only the opening directive: the cells
in between stay on the page and the closing marker is a node no writer knows, which
fails the build (sphinx-exercise 1.2.1). With ``hide_solutions`` on, this extension
puts a marker where each gated solution starts and removes everything from the marker
to the closing node, the code cells included.
"""

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx_exercise.directive import SolutionStartDirective
from sphinx_exercise.nodes import solution_end_node

logger = logging.getLogger(__name__)


class hidden_solution_start(nodes.Element):
    """Where a gated solution started that the student edition leaves out."""


class HiddenSolutionStartDirective(SolutionStartDirective):
    """``{solution-start}`` that leaves a marker when solutions are hidden."""

    def run(self):
        result = super().run()   # registers the gate for sphinx-exercise's own checks
        if not self.env.app.config.hide_solutions:
            return result
        marker = hidden_solution_start()
        self.set_source_info(marker)
        return [marker]


class RemoveHiddenGatedSolutions(SphinxTransform):
    """Remove each hidden gated solution: its marker, what follows, and its end."""

    default_priority = 5   # before sphinx-exercise merges the gated directives (10)

    def apply(self):
        for marker in list(self.document.findall(hidden_solution_start)):
            parent = marker.parent
            start = parent.index(marker)
            ends = [i for i, child in enumerate(parent.children[start:], start)
                    if isinstance(child, solution_end_node)]
            if not ends:
                logger.warning("a {solution-start} without a {solution-end} after it "
                               "at the same level: cannot hide the solution",
                               location=marker)
                parent.remove(marker)
                continue
            for child in parent.children[start:ends[0] + 1]:
                parent.remove(child)


def setup(app):
    app.setup_extension("sphinx_exercise")
    app.add_node(hidden_solution_start)
    app.add_directive("solution-start", HiddenSolutionStartDirective, override=True)
    app.add_transform(RemoveHiddenGatedSolutions)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
