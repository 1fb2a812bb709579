"""The reciprocal estimate behind libvmaf's float ADM division, as measured on x86.

libvmaf's float ADM divides with ``n * rcp(d)``, where ``rcp`` is the SSE ``rcpss`` estimate
refined by one Newton step (``adm_tools.c:38-53``). ``rcpss`` is not specified to the bit: its
result is a CPU-family-specific table. On the Intel Xeon the golden data were produced on, the
estimate for ``x = 1.m * 2**e`` depends only on the leading 11 mantissa bits and has 15
significant mantissa bits; this module stores that 2048-entry table (``1/x`` for ``x`` in
[1, 2), as the mantissa bits 8..22 of a float with biased exponent 126), zlib-compressed.
See specs/float_adm.md §4.
"""

from __future__ import annotations

import base64
import zlib

import numpy as np

__all__ = ["RCP_MANTISSA_TABLE"]

_ENCODED = (
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

#: uint32 mantissa bits (bits 0..22) of ``rcpss(1.m)`` indexed by the leading 11 bits of ``m``.
RCP_MANTISSA_TABLE: np.ndarray = (
    np.frombuffer(zlib.decompress(base64.b64decode(_ENCODED)), dtype="<u2").astype(np.uint32) << 8
)
