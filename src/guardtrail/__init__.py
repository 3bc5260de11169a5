"""guardtrail: guard git repositories against what AI coding assistants commit.

The package follows the pipeline: ``git`` reads commits, ``classify`` turns changes into
findings, ``decide`` weighs authorship, approvals and policy, ``report`` renders the decision,
and ``commands`` wires the stages for each CLI command.
"""

__version__ = "0.1.0"
