"""The default prose of the summary section R&D input writes (4 R&D 经费投入): the bureau's usual opening
of the section; placeholders name registered figures (kechuang.reports.figures)."""

from kechuang.reports.figures import section_prose

section_prose(
    4,
    "{rnd.returns_completed}。{rnd.official_rd}。{rnd.target_attainment}。"
    "{rnd.rd_ytd}。{rnd.above_scale_count}，{rnd.high_tech_va}；{rnd.high_tech_share}。",
)
