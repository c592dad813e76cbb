# Deep Mutual Learning: peers trained together, each with CE + KL to the others (tau 1).
# Peer 1 is the evaluated and exported student. A config adds model = dict(peers=[{{_base_.<net>}}, ...]).
_base_ = ['../default_runtime.py']

model = dict(type='DMLDistiller', eval_peer=1, tau=1.0)
