"""The default prose of the summary sections the programmes engine writes (1 政策激励, 2 创新主体培育,
3 科技计划项目, 6 招才引智): the bureau's usual opening of each section; placeholders name registered
figures (kechuang.reports.figures). Staff edit the prose of each summary from this default."""

from kechuang.reports.figures import section_prose

section_prose(
    1,
    "一是完善政策体系。{policy.documents}；{policy.documents_implemented}。\n"
    "二是抓好政策兑现。{policy.claims}。\n"
    "三是用好科技创新券。{policy.vouchers_issued}，{policy.vouchers_redeemed}。",
)
section_prose(
    2,
    "一是加强企业培育辅导。{entities.visits}。\n"
    "二是做好资质申报。{entities.applications}。\n"
    "三是壮大创新主体队伍。{entities.new_qualifications}；{entities.sme_registered}。",
)
section_prose(
    3,
    "一是积极组织项目申报。{projects.applications}。\n"
    "二是争取上级项目支持。{projects.approvals}；{projects.grants}。",
)
section_prose(
    6,
    "一是做好人才项目推荐。{talent.nominations}。\n"
    "二是落实创新团队扶持政策。{talent.matching_paid}，{talent.checks_passed}。\n"
    "三是加强创新团队资金保障。{talent.team_funds}。",
)
