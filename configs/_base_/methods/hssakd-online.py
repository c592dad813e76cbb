# Online HSSAKD: peers with auxiliary branches trained from scratch, distilling into each other.
# A config adds model = dict(peers=[{{_base_.<net>}}, {{_base_.<net>}}]); export either with --peer K.
_base_ = ['../default_runtime.py']

model = dict(
    type='OnlineHSSAKD',
    pretext='rotation',
    tau=3.0,
    use_aux=True,
    use_kl_q=True,
    kl_p_scope='all',  # 'upright' = DML on logits
)
