"""``python -m agentclinic_sim.cli``: the ``agentclinic`` command."""

from agentclinic_sim.cli import main

main()
