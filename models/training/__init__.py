"""Training the doctor on environment rewards: token-level rollouts, SFT and multi-turn GRPO through TRL.

The top of the import graph: it uses the clinic (``agentclinic_sim``), the roles (``agents``), the cases
(``scenarios``) and the backends; nothing below imports it. TRL, peft and datasets load lazily (the
``train`` extra).
"""
