"""The reciprocal estimates behind libvmaf's float ADM division, as measured on x86.

libvmaf's float ADM divides with ``n * rcp(d)``, where ``rcp`` is the SSE ``rcpss`` estimate
refined by one Newton step (``adm_tools.c:38-53``). ``rcpss`` is not specified to the bit (only
its relative error, at most 1.5 * 2**-12): each CPU family answers from its own table. Measured
with ``tools/measure_rcpss.py``, the estimate for ``x = 1.m * 2**e`` depends only on the leading
mantissa bits of ``x`` — 11 on the Intel Xeon that produced the Intel golden data, 12 on an AMD
EPYC (Zen) — and its exponent is the reflection ``-e - 1``. Each table holds ``rcpss(1.m)`` for
``1.m`` in [1, 2) as the mantissa bits 8..22 of a float with biased exponent 126, stored as
zlib-compressed little-endian uint16. See specs/float_adm.md §4.
"""

from __future__ import annotations

import base64
import dataclasses
import zlib

import numpy as np

__all__ = ["RcpTable", "RCP_TABLES", "DEFAULT_RCPSS", "check_rcpss"]

#: The family whose estimates vmafref follows unless told otherwise: fixed, never the running CPU's.
DEFAULT_RCPSS = "intel"


@dataclasses.dataclass(frozen=True)
class RcpTable:
    """One CPU family's ``rcpss(1.m)`` table, indexed by the leading ``index_bits`` of ``m``."""

    family: str
    measured_on: str
    index_bits: int
    mantissas: np.ndarray  # uint32, mantissa bits 0..22 of rcpss(1.m)
    sha256: str  # of ``mantissas`` as little-endian uint32, as tools/measure_rcpss.py prints it


def _decode(encoded: str) -> np.ndarray:
    return np.frombuffer(zlib.decompress(base64.b64decode(encoded)), dtype="<u2").astype(np.uint32) << 8


_INTEL = (
    "eNoFwSdgnFwAAOB3m9vcfndZZJNNNtlkk002SZqUbrrppusvEolEIpFIJBKJRCKRSOT/fcE/55/xT/kn/GP+Ef/Qf8F/zn/G"
    "f8p/wn/Mf8R/6H/hX/ev+Vf9K/5l/5J/4d/wj/vH/KP+kf5wf6g/2B/wx/tt/dZ+y7/53/Rv/Dfy2/9l/zJ+Kb+EX8wv4hf6"
    "K/zp/jR/qj/Fn9xP6if2E/z0RFvURVnkRUYkRFQMfrg/zB/qD/EH94P6gf0AP/zv9nf9u/Jd+M58J77D7+E395v1TfsmfeO/"
    "0d/wb+i34Kvz1fyqfhW/cl+pr9hX5Kv/xflifFG+iF/YL+QX7Av44n+2P+uflc/CZ/Yz+Rn7DD57n+xP+iflk/CJ/UR+gp/A"
    "J0+wBV1QBEFgBVLABCD4H+2Pxkflo/iR/Uh9xD4iH/0Pzgfjg/pB/MB9oD7gH5APwXvnvfleey+959/T74n36PvwnfvOeqe/"
    "k98J75h35DvsHXjnv7XfGm/Vt+Jb7i31Fn+Lvg3euG+sN9ob+Y3whnlDvsHegDf+a/u18Vp9Lb7mXtOvidfo65D3eIvXeYUX"
    "eJaneIxH+OCV+8p8pb2SXwmvmFfkK+wVeOW/dF6aL9WX0kv+JfOSfAlfgpf+C+eF8UJ9Ib3gXzAviBfwBXjhP7efG8/V59Jz"
    "/jnznHgOn4Pn/jPnmflMfSY9458xz8hn2DPwzH/qPDWfak/lp8JT5in5FHuKPA2euE+sJ/oT5YnwhH1CPcGfoE9CzuNszuBU"
    "TuI4juYIDnKA8x87j83H2mP5sfCYfUw9xh+jj8MH78F+MB7UB+mBf2AeiAf4AB78e+fevNfu5Xvhnr2n7ol7eA/u/UfOI/OR"
    "9kh+JDxiH1GP8Efoo/DOu7PvjDv1Trrj75g78g67Q+7CW+/WvjVu1Vvplr9lbslb7Ba5DW+8G/vGuFFvpBv+hrkhb/Ab9CZk"
    "PdZmDVZlJVZgWZZicRZlw2vv2rk2r7Vr+Vq4Zq/pa+IaXoNr/8q5sq70K+VKvOKumCvyCrtCroJL79K+NC7VS/lSuGQvqUv8"
    "El6CS//CubAu9AvlQrzgL5gL8gK7QC/Cc+/cPjfPtXP5XDjnzulz4hyeI+fBmXtmnxln6pl0JpyxZ9QZcQbPwFlw6p5ap8ap"
    "eiqdCqfsKXWKn8JTcOozLmMxOqMyEiMwLEMxBAMZwAQn7ol1YpyoJ9KJcMKe0CfECTxBToJj79g+No61Y/lYPOaO6WPyGDtG"
    "j8Mj78g5Mo/0I+VIPOKPmCPqCD+CR+DIP3QPrUPjUD2UD4VD7pA+JA6xQ+QwPPAOnAPzQD9QDqQD/oA9oA6IA3iAHAT77r69"
    "b+xr+/K+uM/tM/vkPr6P7oN9f8/ds/eMPW1P3hP3uD1mj9zD99A9sOfTLm3RBq3SMi3SHM3QJI3TKA1of9fdtXeNXW1X3hV3"
    "uV1ml9rFd+Eu2A123B17x9zRdpQdcYffYXeoHWIH7iA74ba37Wyb2/q2ui1tC9vcNr1NbmPb6DbY9rfcLXvL2NK25C1xi99i"
    "tqgtYgtuIVvhprfpbFqb+qa6KW8Km9wms0lu4ptwE2wGG96GvWFu6BvKhrQhbHAb9Aa5gW+gG2AjWHfX7XVzXV9X1qV1YZ1d"
    "p9fJdXwdXQfrAeVSNmVSOqVQEiVQHEVTJIVTkAJUsOatOWvmmr6mrslrwhq3xqxRa/gaXEPWwlV/1Vm1Vo1VbVVeFVf5VXaV"
    "XiVWsVV0FawGK+6KvWKu6CvqirQirHArzAq1gq/AFWQlXPaX3WVr2VjWlpVlaVlYZpfpZXIZX4bLyHKw5C05S9aSsaQtKUvi"
    "Er/ELtFL5BK+BJfAUrDoLTqL1qKxqC3Ki+Iiv8gu0ovkIr4IF5HFYMFbcBasBWNBW1AWpAVhgV2gF8gFfAEuIAsh6ZMuaZMm"
    "qZMKKZECyZEMSZEEiZEoCchg3pt35q15fV6dl+fFeX6enafnyXl8Hs4j8+GcP+fO2XPmnD6nzslz4hw/x87Rc8QcNofOgblg"
    "1pt1Zq1ZY1abVWalWWGWm2VmqVliFptFZ8FsMOPNODPWjDGjzSgz0owww80wM9QMMYPNoDNgJpj2pp1pe9qc1qfVaXlanOan"
    "2Wl6mpzGp+E0Mh1O+VPulD1lTulT6pQ8JU7xU9wUM0VNEVPYFDoFpoJJb9KZtCaNSW1SmZQmxUl+kp2kJ8lJfBJOIpMh4RMu"
    "YRMWYRAaoRASIRAcwRAUQRA4AQmECCf8CXfCnjAn9AltQpmQJoQJboKZoCaICXwCTiAT4bg/7o7b4+a4Ma6NK+PSuDDOjTPj"
    "9Dg5jo/DcWQ8HAvGvDFnzBozxrQxZUweE8f4MXaMHiPHiDFsDB0DY8GoN+qO2qPmqD6qjiqj0qgwyo0yo9QoOYqPwlFkNBwJ"
    "RrwRZ8QaMUb0EXVEHhFH+BFuhBmhRogRbASOICPhsD/sDTvD1rAxrA2rw/KwOMwPc8PMMDVMDGPDcBgZDof8IW/IGbKGjCF9"
    "SB2Sh8QhYYgbYoaoIXIIH4JDyBAYCnAPd3AbN3EdV3EFl3AB53EWp3ESJ3AMR3GAh4P+oDvoDFqDxqA2qA7Kg+KgMMgNMoPU"
    "IDmID8JBdBAMBgP+gDtgD5gDxoA2oAzIA+IAP8ANMAPUADmAD8ABZAAMBP1ev9tv95v9Rr/Wr/TL/WI/38/1M/1UP9mP98N+"
    "tB/0B31+n9tn91l9Rp/Wp/bJfWKf0Mf1MX10H9lH9GF9aB/SF/b6vV6v02v1mr16r9ar9Eq9Yi/fy/YyvVQv0Yv3wl60F/QG"
    "PX6P2+P0WD1Gj96j9sg9Uo/Qw/ewPXQP1UP04D2wB+kBPUG33+12291Wt9Gtd6vdcrfULXTz3Ww33U11E914N+xGukF3gPmY"
    "izmYhRmYjqmYgkmYiPEYizEYhZEYjmEYigEs7PK7vC6ny+4yu4wurUvpkrvELqGL62K76C6qi+jCumAX0gW6gk6/0+10Oq1O"
    "s1Pv1DqVTqlT7OQ7uU6mk+4kO4lOrBN2Ip2gM+jwO9wOp8PqMDv0Dq1D6ZA6xA6+g+tgOugOsoPowDpgB9IBOoJ2v91td9qt"
    "drNdb9falXa5XWwX2rl2tp1up9qJdrwdtqPtoD1sC9q8NrfNbrPajDa9TW1T2qQ2sY1v49qYNrqNbCPasDbYhrSBtrDlt7yW"
    "07JbZstoaS21JbekltDiW1yLadEtskW0sBZsIS3QCpt+02s6TbtpNo2m1lSbSlNqik2+yTWZJt0km0QTb8Im2gTNEPrQgy60"
    "oQUNqEMVKlCGIhQgB1nIQAqSEIcYRCECAQwafsNtOA27YTaMhtZQG0pDaogNvsE12AbdoBpEA29gDbSBNMJ6UPfrbt2p23Wz"
    "btS1ulpX6lJdrPN1rs7W6TpVJ+t4HaujdaQO6kHNr3k1p2bXzJpR02tqTanJNbEm1PgaW2NqVI2sETWsBmtoDdTCalD1qm7V"
    "qVpVs6pXtapalatSVazyVa7KVukqVSWreBWrwipSBdWw4le8iluxK1bFrOgVraJW5IpUESt8hauwFbpCVcgKXsEqsIJUQCUs"
    "+2Wv7JadslU2y0ZZK6tlpSyVxbJQ5spsmSlTZbJMlPEyLKNlpByWgpJfcktOyS5ZJaOkl7SSUpJLUkks8SWuxJboElUiS3gJ"
    "K8ESWgKlEA1QH3VRB7VREzVQHdVQBZVRCRVQHuVQFqVRCiVRAsVQiKIoQMNiUPSLbtEp2kWraBT1olZUi3JRKopFocgV2SJT"
    "pItkkSjiRayIFpEiKIYFv+AV3IJTsApmwSjoBbWgFOSCVBAKfIErsAW6QBXIAlHAC7CAFpACKAR5P+/l3bydt/Jm3sjreTWv"
    "5OW8lBfyfJ7Ls3kmT+XJPJHH8zCP5pE8yIc5P+fl3JyTs3NmzsjpOS2n5uSclBNzQo7LsTkmR+eoHJHDc1gO5tAcyIXZIOtn"
    "vaybtbNW1swaWT2rZpWsnJWyYpbPclk2y2TpLJUlsngWy8IsmgXZMBNk/IyXcTN2xsqYGSOjZ9SMkpEzUkbMCBkuw2aYDJ2h"
    "MmQGz2AZmEEzSAZkgrSf9tJu2knbaSttpPW0llbTSlpOi2khzae5NJtm0nSaTBNpPI2lYRpNg3SIBIiPeIiLOIiFmIiB6IiG"
    "qIiCSIiICAiPcAiLMAiNkAiB4AiGQARFEAQgQcpPeSk35aTslJUyUnpKS6kpJSWnpJSYElJcik0xKTpFpcgUkcJTMIWmkBRI"
    "hckg6Se9pJu0k1bSTBpJPakl1aSSlJNSUkjySS7JJpkknaSSZJJIYkmYRJNIEiTDRJDwE17CTTgJK2EmjISe0BJqQknICSkh"
    "JoQEl2ATTIJOUAkyQSTwBJaACTSBJMJ4EPfjXtyNO3E7bsXNuBHX41pcjctxKS7GhTgf5+JsnInTcSpOxok4HsfiMI7EQTyM"
    "BTE/5sXcmBOzY1bMjBkxPabF1JgSk2NiTIjxMS7GxpgYHaNiZIyI4TEsBmNoDImBWBgNon7UjTpRO2pFzagR1aNaVI0qUTkq"
    "RcWoEOWjXJSNMlE6SkXJKBHFo1gURtEoiIaRIOJHvIgbcSJ2xIqYESOiR7SIGlEickSKiBEhwke4CBthInSEipARIoJHsAiM"
    "oBEkAiIhCIAPPOACB9jAAiYwgA40oAIFyEACIhAADzjAAgbQgAIkIAAOMAABChDwP/ngYaM="
)

_AMD = (
    "eNod2DVjoNoWBWDuu8Y4M5NJiBMnTpw4ceLEiRMnTkYZp6SkpKSkpKSkpKSkpKSkpHzrZn9/4WxZJ/ud/I5/h7/93+5v+7f5"
    "W/+t/lZ+S7+F39xv5jf1O/uV/Ip/hb/8X+4v+5f5S/+l/lJ+Sb+EX9wv5hf1K/+Z/kx+Rj+Dn95P56f10/ip/VR/yj/Fn/xP"
    "9if9M/+R/kh+RD+CH94P54f1w/ih/VB/yD/EH/wP9gf9g/yRf8++J9+j78F377vz3fpufNe/q9/l7+J3/jv7nfpOfM+/pd/i"
    "b+E3/5v7zf5mfjO+ad+Ub9I34Rv3jf5GfiO+ZV+Tr9HX4Kv31flqfTW/6l/Vr/JX8Sv/lf1Kf6W+El8zPdEjPdA93dFt3dR1"
    "XdVlXdR5ndUZndIJPfuSfIm+BF+8L+4X+4v5Rf+ifpG/iF/4L9wX5gv1hfiSfU4+R5+Dz/5n97P92fysf1Y/y5/Fz8Jn7jPz"
    "mfpMfM4+JZ+iT+En/5P7yf5kftI/aZ+UT/In8RP/if1EfyI/5R/Tj8nH6GPw0fvofLQ+mh/1j9pH5aP0UfjIfWQ+Uh+Jj/mH"
    "9EP8Ifzgf3A/OB+sD+YH/YP6Qf4gfuA/sB/oD9QH4kP2PnkfvQ/e++/d9857673xXnuvvJfeC++59+x7+j35Pn9IH+KH6CF4"
    "8B/cB/vBfNAf1Af5QXwQHrgH5oF6IB4yLdFiLdR8zdMczdJMTddUTdEkTdB4jdVojdDy+/Q+vo/ug3vv3r2378174167V+7l"
    "e/Gev2fu6XvyPr/L7pK76C688+/cO+fOujPu9Dv1Tr4T74Q77o65o+/Iu/w2u01uo9vw1r91b51b69a4VW+VW+lWuOVv2Vv6"
    "lrolbrOb9Ca+CW+CG+/GubFuzBv9Rr1RbqQb4Ya/YW/oG+qGuMmu0+v4Orz2r71r59q6Nq/1a/VauZauhWv+mr2mr6lr4jq7"
    "Sq7iq/DKv/KunCvryrzSr9Qr5Uq6Eq74K/aKviKviKvsMrmML8NL/9K7dC6tS/NSv1QvlUvpUrjkLtlL+pK8JC4zNVFjNVR9"
    "1VMd1VJNVVdVVVFlVVR5lVMZlVJJNb9IL5KL6CK48C/cC/vCujAv9Av1QrmQLoQL/oK9oC+oC+IiO0/P4/PwPDj3z91z+9w6"
    "N861c/VcPhfPhXPunDmnz8nz/Cw7S8/is/AsOPPOnDP7zDzTz7Qz5Uw6E8/4M/aMOaPPyLP8NDtNTqPT8NQ/dU+dU+vUONVP"
    "1VMZpFPhlDtlT+lT8pQ4zU6Sk/gkPPFPvBPnxDoxTvQT9UQ5kU/EE+GEO2FP6BPqhDjJj9Pj5Dg69o+9Y+fYPraOjWP9WD1W"
    "jqVj8Zg/5o6ZY/qYPM6O0qP4KDoKj/wj78g5so/MI+NIO1KP5CPpSDhij5gj6og8Io4yJVViJVICxVdcxVEsxVR0RVUURVJE"
    "RVA4hVVohVIIJT9MD5PD6DA89A+dQ/vQPDQO9UP1UDmUDsVD/pA7ZA7pQ/KQOMwOkoP4IDwIDvwD98A5sA7MA/1AO1AO5APx"
    "QDjgDpgD+oA8IA7y/XQ/2Y/2w31/39t39u19c9/Y1/aVfXlf3Bf2+X12n9mn9sn9fC/bS/bivXAv2PP2nD17z9wz9vQ9dU/Z"
    "k/bEPX6P22P26D1yj9jLdtPdZDfaDXeDXW/X3bV3rV1jV99Vd5VdaVfc5XfZXWaX2iV3id1sJ92Jd6KdYMffcXecHWvH3NF3"
    "tB11R96RdsQdfofbYXboHXKH2Mm20+14O9oOtv1tb9vZtretbWNb31a3lW1pW9zmt7ltZpveJreJ7VxO5USO5VAOZE92ZVu2"
    "ZEPWZVVWZEkWZUHmZFZmZEom5Xwr20q24q1wK9jyttwte8vcMrb0LXVL2ZK3xC1hi99it5gteovcIrbyzXQz3ow2w01/09t0"
    "N+1Na9Pc1De1TXVT3pQ2xU1+k9mkN6lNYjPfyDaSjXgj2gg2/A1vw9mwN6wNY0PbUDeUDWlD3BA2uA12g9mgNsgNYiNbT9eT"
    "9Wg9WPfXvXVn3V631o11fV1bV9bldWldWOfXuXVmnVon14n1bC1dS9aitXAtWPPW3DVnzVoz14w1bU1Zk9ekNWGNX+PWmDV6"
    "jVoj1vLVbDVZjVej1WDVW3VXnVVr1Vw1VrVVdVVZlVbFVWGVW2VXmVVqlVwlVvOVdCVZiVfClWDFX3FXnBV7xVwxVvQVdUVe"
    "kVbEFX6FW2FX6BVqhVzJpUxKpViKpFDyJU9yJUeyJFMyJE1SJUWSJFESJE5iJUaiJFIipHw5XU6W4+VwOVj2l91lZ9leNpeN"
    "ZX1ZXVaW5WVpWVjml7llZpleppaJ5XwpW0qW4qVoKVjyl7wld8lespbMJX1JW1KX5CVpSVzil7gldoleopbIJWIpW0wXk8Vo"
    "MVwMFr1Fd9FZtBbNRWNRA3VRWZQWxUVhkVtkF5lFapFcJBazhXQhWYgWggV/wVtwF5wFa8FcMBb0BXVBWZAXpAVxgV/gFpgF"
    "eoFaIBeIhWw+nU/m4/lwPpj35715d96et+aNeX1em1fnlXlpXpwX5vl5dp6Zp+epeXI+n8vmkrl4LpoL54I5b86dc+bsOXPO"
    "mNPntDl1Tp6T5oQ5fo6bY+eYOWqOnCPm8tl0NpmNZ6PZcNaf9WadWXvWmjVnjVltVp1VZuVZcVaY5We5WXaWnqVmidlczMRU"
    "TMRIDMVA9EVXdERbtERT1EVNVEVFlEVJFEVe5ERWZERKJEVCzGeymWQmnglnghl/xptxZ+wZa8acMWa0GXVGmZFnpBlhhp/h"
    "ZtgZZoaeoWaImXw6m06n4+loOpwOpv1pd9qZtqbNaWNan9amlWl5WpoWp/lpbpqdZqbpaXKamM6nsql0KpmKp8KpYMqf8qac"
    "KXvKmjKnjCltSp1SpuQpaUqcEqa4KXaKmaKnyCliKp/MJtPJeDKaDCeDSX/Sm3Qn7Ulr0pw0JrVJdVKZlCelSWGSn+Qm2Ulm"
    "kp6kJonJfCKbSCfiiWginAgm/Al3wgF7wpowJ4wJbUKdUCbkCXFCmOAnuAl2gp6gJsgJYiIfT8eT8Xg8Gg/Hg3F/3Bt3x+1x"
    "a9wcN8b1cW1cHZfHpXFxXBjnx7lxdpwZp8fJcWI8H8vGkrF4LBoLxvwxb8wdc8bsMWvMHDPGtDF1TBmTx6QxcUwY48bYMWaM"
    "HqPGyDFiLBcyIRFiIRJCIRB8wRMcwRYswRQMQRc0QRUUQRJEQRB4gRNYgREogRQIIR/NRtPRZDQejUaDUX/UG3VHnVF71Bo1"
    "RvVRbVQdVUblUWlUHBVGuVF2lBmlR6lRcpQYzUbSkWQkHolGwpFgxB/xRpwRe8QaMUeMEX1EG1FG5BFpRBwRRvgRboQdYUao"
    "EXKEGMmH8+FsOB2Oh6PhcDgY9oe9YXfYGbaHzWFjWB/WhtVhZVgeFoeFYX6YG2aHmWF6mBomh/OhbCgdSiAeioaCIX/IG3KH"
    "nCF7yBoyh4whbUgdUobkIWlIHBKGuCF2iBmih6ghcogYygezwWQwHowGQwgG/UF30Bm0B61Bc9AY1Ae1QXVQHpQGxUEB+EFu"
    "kBmkB6lBcpAYzAeygXQgGYgGwoFgwAdvwB2wB6wBc8AY0Ae0AXVAGZAHxAFhgB/gBtgBZoAeoAbIAWIg78/60/6kP+6P+sP+"
    "oN/v9/qdfrvf6jf7jX69X+tX+5V+uV/qF/uFfr6f62f7mX66n+on+4n+nM/4lE/4mI/4kA94n/d4l7d5izd5g9d5jVd5hZd5"
    "iRd5ged5jmd5hqd4kif4vC/rS/uSvrgv6gv7gj6/z+tz+5w+u8/qM/uMPr1P61P7lD65T+oT+4Q+vo/rY/uYPrqP6iP7iL68"
    "N+tNe5PeuDfqDXuDXr/X63V7nV671+w1evVerVftVXrlXqlX7BV6+V6ul+1leuleqpfsJXrznqwn7Ul64p6oJ+wJevwer8ft"
    "cXrsHqvH7DF69B6tR+1ReuQeqUfsEXr4Hq6H7WF66B6qh+whevLurDvtTrrj7qg77A66/W6v2+12uu1uq9vsNrr1bq1b7Va6"
    "5W6pW+wWuvlurpvtZrrpbqqb7Ca6866sK+1KuuKuqCvsCrr8Lq/L7XK67C4LzC6jS+/SutQupUvukrrELqGL7+K62C6mi+6i"
    "usguoivvzDrTzqQz7ow6w86g0+/0Ot1Op9PutDrNTqNT79Q61U6lU+6UOsVOoZPv5DrZTqaT7qQ6yU6iM+/IOlJIOuKOqCPs"
    "CDr8Dq/D7XA67A6rw+wwOvQODdQOpUPukDrEDqGD7+A62A66g+ogO4iOnMsg5RIu5iIu5ALO5zzO5RzO5izO5AxOB41TOYWT"
    "OYkTOYHjOY5jOYajOYojOQLy9qw9bU/a4/aoPWwP2v12r91td9rtdqvdBKNdb9fa1XalXW6X2sV2oZ1v59rZdqadbqeAbCfa"
    "87asLW1L2uK2qC1sC9r8Nq/NbXPabLDazDajTW/T2tQ2pU1uk9rENqGNb+Pa2DYG6DaqjWwj2vLWrDVtTVrj1qg1bA1a/Vav"
    "1QWn1W61Ws1Wo1Vv1VrVVgXkVqlVbBVaeeBa2VamlW6lWslWojVvyVrSlqQlbolawpYA/BavxW1xWuwWq8VsMVp00FrUFqVF"
    "bpFAbBFa+BauhW1hWugWqoVsIVry5qw5bU6aY4iaw+ag2W/2mt1mp9lutsBsNpr1Zq1ZBaVZbpaaxWahmW/mmtlmpplupprJ"
    "ZqI5b8ogbUqa4qaoKWwKmvwmr8kFp8kGq8lsMpr0Jq1JBaVJbpKaxCahiW/imlhgmugmqolsIpryxrwxa0wbk8a4MWoMGv1G"
    "D9xGp9FutBrNRgP0Rq1RbVQa5UapUWwUgG/kGtlGppFupIBsJBpzNmNTSNgYIjZkA9ZnPdYFh7VZizVZg9VZjVVBYWVWYkVW"
    "YDE2WI5lWYalWYolWYLNG/KGrCFtSBrihqghhKDBb/Aa3AanwW6wGkwwGvQGrUFtUBpkkBrEBqGBb+CAbWCAbqAayAaiIa/P"
    "IK1P6uP6qD6sD+r9eg/ceqferrfqzXoD9HqtXq1X6uV6qV6sF4Cv5+rZeqaerqeArCfq87qsLoWkLoaoLqwL6vw6r84Fp86u"
    "s+rMOgP0Og3UOqVOrpPqxDoB+Dqujq1j6ug6qo6sIyCvzWrT2qQ2ro0grA1q/Vqv1gWn1gar1qw1avVarVYFpVaulWrFWgH4"
    "Wg7YWqaWrqVqyVoC8pqsJq1JauKaqCaEoMav8WpccGrsGqvGBKNGr9Fq1BoF5BqpRqwRgK/hatgaBugaqoasIWry6rw6q06r"
    "k+oYouqwOqj2wat2q51qu9oCs9qo1qs1UKuVarlaArFaqOaBA7aaqaarKSCrieq8KoO0KqmKq6KqEIIqv8qrcsGpsqusKhOM"
    "Kr1Kq1KrFJCrpCqxSgC+iqtiqxigq6gqsoqoypmcyZiUSZgYIiZkAsYHj3EZB2ywGJMxGB00RmUUBnGJkRiRERiewYBiWIZh"
    "aIYCkiGYvDKDtDKpjCGCsDKo9Cs9cCudSrvSArPSqNQrtUoVlEq5UqoUQajkK7lKFphKupICEojKvCKrSCGpiCuiihCCCr/C"
    "AxecCrvCqjDBqNArtAoVlAq5QqoQKwTgK7gKtoIBuoKqICsIyMuz8hQSiMuj8rA8AL/cK3fLHbDLrXITjHIdtHIVlHK5XAKx"
    "XCjngStny5lyGqhyEojyvCyDtCwpiyEqC8uCMh+8MhecMrvMArPMKNNBK1PLlDIZpDIRhDK+jAO2jCmjgSojy4iyvDQvzUpT"
    "SErj0gjC0qDUB6/ULXVKbbBKTTBK9VIN1FKlVAapVCwVSnngSllgSulSCshSojQvyUsySEsSiEsiCEuCEh+8ErfEAbvEKjFL"
    "DNBLNFBLlBIZpBKxRAC+hCthSxigSyggS4iSvDgvzorT4gRiiIpDCIp98IrdYgfsYqvYBKNYL9aKVVCKZZCKxWIB+GKumAUG"
    "6GIKyGICcjqjU0jomI4gpAPapz1waQds2qJNMGid1kAFhZZBokUQaJ7GOqVZmqH/KwpImoC8KIO0KCmKISoKiwLwi7wiF5wi"
    "G6wiE4wiHbQiFZQiuUgCsUgAvogDtogBuogCsogoygvzwqwwhaQwhqgwhKDQB6/QLXTALrTALDRAL9RALVRALpQKRRAKeeAK"
    "WWAKaaAKSSAK83cZpO8SiN9FEL4LwH/ngfvOeWeD9c4E450O2jsVlHcySO/EdwLw7zhg3zFAv6OAfEdAXpAVpJAUxBAVhBAU"
    "+OAVuOAU2AUWmAUG6AUaqAUKyAUSiAVCAQ9cAQtMAQ1UAQlEQf42f5tBCsnbGKK3IQRvffDeuuC8td9aYL41QH+rgfpWAfmt"
    "BCIIwL/lgH3LAP2WAvItAfmb7E0KyZsYojchBG988N644Lyx31hgvjFAf6OB+kYB+Y0E4hsB+DccsMC8oYF6QwIB+esM0tcJ"
    "xBC9DiF47YMH7msH7NcWmGC81kF7rYIC8msRhNc8cMC+ZoB+TQEJxOucyqmMSiGBmIogpALwwaNccCgbLDApA3RKAxUUSgaJ"
    "QqinEBIpnsIpSbH/Der/nj5FUSQQVP4qf5VB+iqB+FUEIQSvPHBfOWCD9coE45UOGqivFJBfSSCC8IoH7hULDNCvKCBfEZC/"
    "zF9mL1NIXsYQQfgyAP+lBy44L22wXppggP5Ie6mCAvJLCcSXAvDAvWSBeUkDBeRLAvIXGaSQvIghehFCAP4LD9wXDthgvTDB"
    "eKGDBuoLBeQXEoggvOCBe8ECA/QLCkggXuTP8+fZo/R5AjFEz0MIwH/ugfvcAfu5BSYYz3XQQH2ugPxcAvG5ADxwz1lggH5O"
    "AfmIeJ4/y59lkD5LIIboWQjBMx+8Zy44YD+zwATjmQ7aI/WZAjJIz0QQgH/GAfuMAfoZBSQQz/Kn+dMM0qcJxI+ipyEE4D/1"
    "wAXnqQ3WUxOMpzpooD5VQAbpqQjCI/4pBywwT2mggHxKQP7kP9mTFBKIn0QQQvDEB++R+8QBG6wnJhigP9FAfaKA/EQCEYQn"
    "PHDAPmGAfkQ9IYGAnMwghYSMIXoUkgH44JEuOGCTFpikATpooIJCyiCBCAKJeE4inJE4tEkcPyT9X0OR/xUB+b8ZpJBADNG/"
    "IQTgg/evCw7YYIH5rwE6aKD+q4AMEogg/MsDByww/9JAAQkE5P9kkEIC8aMIQgjA/8cDFxyw/7HABAN00P5RQQEZpH9EEIAH"
    "Dth/GKCBAvIfAvK/878zSCH5O4YIQgj+9sEDFxyw/7bABAP0RxqooID8twQiCMD/zQELDNBA/U0CAflf+V/ZXykkEEME4V8B"
    "+OCB+8gBGyww/zJABw3UvxSQQQIRhL944IAF5hENFJB/EZD/mf+ZQQrJnzFEEELwpw8euOCA/cgCE4w/ddBABQXkPyUQQQD+"
    "Tw5YYIAG6hEJBOT/yyCFBGKIHoUQgP8/D1xwwAbrfyYYoIP2PxUUkEEC8ZEAPHD/Y4EBGiggHxGQ/5H/kf2RQgIxRBA+CsAH"
    "7w8XHLDBAvMPA3TQQP1DARkkEEF4xAMH7B8M0EABCcSjnMiJDFIigRgiCCF45IMHLuGADRaYYDzSQQOVUEAGCUQQHvHw3/cK"
    "SyC8/HcMEliJ/7UvQRD/B1iezZE="
)

RCP_TABLES: dict[str, RcpTable] = {
    "intel": RcpTable("intel", "Intel Xeon", 11, _decode("".join(_INTEL)),
                      "ce499ef160569107eac136cd39599f3fd4ecd342168991f863fd09d685db8c4d"),
    "amd": RcpTable("amd", "AMD EPYC", 12, _decode("".join(_AMD)),
                    "28863e2ffc08d7301b81f4e27357f64d42f151d3b7eef7a16119a85a284e333d"),
}


def check_rcpss(family: str) -> RcpTable:
    """The :class:`RcpTable` of ``family``; ``ValueError`` naming the known families otherwise."""
    try:
        return RCP_TABLES[family]
    except KeyError:
        raise ValueError(f"unknown rcpss family {family!r}; known: {', '.join(RCP_TABLES)}") from None
