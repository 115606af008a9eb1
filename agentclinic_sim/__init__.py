"""The clinic: turns cases and role agents into consultations (transition core, LangGraph graph, Gymnasium env).

Importing this package registers the Gymnasium ids ``agentclinic/Demo-v0``, ``agentclinic/MedQA-v0``,
``agentclinic/MedQA-Ext-v0``, ``agentclinic/NEJM-v0``, ``agentclinic/NEJM-Ext-v0`` and ``agentclinic/MIMICIV-v0``
(when Gymnasium is imported, before or after this package: see ``registration``).
"""

from agentclinic_sim.registration import ENV_IDS, register_envs, register_when_gymnasium_loads

register_when_gymnasium_loads()

__all__ = ["ENV_IDS", "register_envs"]
