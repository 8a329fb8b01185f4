"""The keys of the parsed form (spec/report-format.md) with their official Chinese
labels and an English gloss. Data only: the parser matches against these labels, the
archive publishes them as the ``labels`` table, the report page prints them."""

from __future__ import annotations

from typing import NamedTuple


class Label(NamedTuple):
    key: str
    zh: str
    en: str


TEMPLATES = ("2019", "2021")

# Table 3 — 收到和处理政府信息公开申请情况 → applications
APPLICANT_COLUMNS: tuple[Label, ...] = (
    Label("natural_person", "自然人", "Natural persons"),
    Label("commercial_enterprise", "商业企业", "Commercial enterprises"),
    Label("research_institution", "科研机构", "Research institutions"),
    Label("social_welfare_org", "社会公益组织", "Social welfare organisations"),
    Label("legal_service_org", "法律服务机构", "Legal service organisations"),
    Label("other_org", "其他", "Other organisations"),
    Label("total", "总计", "Total"),
)

APPLICATION_ROWS: tuple[Label, ...] = (
    Label("new_received", "一、本年新收政府信息公开申请数量", "New requests received this year"),
    Label(
        "carried_over", "二、上年结转政府信息公开申请数量", "Requests carried over from last year"
    ),
    Label("granted", "（一）予以公开", "Disclosed in full"),
    Label(
        "partially_granted",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "Partially disclosed",
    ),
    Label("denied_state_secret", "（三）不予公开 1.属于国家秘密", "Refused: state secret"),
    Label(
        "denied_prohibited_by_law",
        "（三）不予公开 2.其他法律行政法规禁止公开",
        "Refused: prohibited by other laws and regulations",
    ),
    Label(
        "denied_security_stability",
        "（三）不予公开 3.危及“三安全一稳定”",
        "Refused: endangers security or stability",
    ),
    Label(
        "denied_third_party_rights",
        "（三）不予公开 4.保护第三方合法权益",
        "Refused: protects third-party rights",
    ),
    Label(
        "denied_internal_affairs",
        "（三）不予公开 5.属于三类内部事务信息",
        "Refused: internal affairs",
    ),
    Label(
        "denied_process_information",
        "（三）不予公开 6.属于四类过程性信息",
        "Refused: process information",
    ),
    Label(
        "denied_enforcement_files",
        "（三）不予公开 7.属于行政执法案卷",
        "Refused: law-enforcement case files",
    ),
    Label(
        "denied_administrative_query",
        "（三）不予公开 8.属于行政查询事项",
        "Refused: administrative query matters",
    ),
    Label(
        "unable_not_held",
        "（四）无法提供 1.本机关不掌握相关政府信息",
        "Unable: information not held",
    ),
    Label(
        "unable_needs_creation",
        "（四）无法提供 2.没有现成信息需要另行制作",
        "Unable: would need to be created",
    ),
    Label(
        "unable_unclear_request",
        "（四）无法提供 3.补正后申请内容仍不明确",
        "Unable: request still unclear after correction",
    ),
    Label(
        "not_processed_complaint",
        "（五）不予处理 1.信访举报投诉类申请",
        "Not processed: petition, report or complaint",
    ),
    Label(
        "not_processed_duplicate", "（五）不予处理 2.重复申请", "Not processed: duplicate request"
    ),
    Label(
        "not_processed_publication",
        "（五）不予处理 3.要求提供公开出版物",
        "Not processed: asks for public publications",
    ),
    Label(
        "not_processed_excessive",
        "（五）不予处理 4.无正当理由大量反复申请",
        "Not processed: excessive repeated requests",
    ),
    Label(
        "not_processed_confirmation",
        "（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
        "Not processed: asks to confirm or reissue information already obtained",
    ),
    Label("other_processing", "（六）其他处理", "Otherwise handled (single row)"),
    Label(
        "other_no_correction",
        "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "Otherwise handled: applicant did not correct the request in time",
    ),
    Label(
        "other_unpaid_fee",
        "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "Otherwise handled: applicant did not pay the fee in time",
    ),
    Label("other_misc", "（六）其他处理 3.其他", "Otherwise handled: other"),
    Label("total_processed", "（七）总计", "Total processed"),
    Label("carried_forward", "四、结转下年度继续办理", "Carried forward to next year"),
)

# Rows whose sum is total_processed (applications.outcomes check).
OUTCOME_ROWS: tuple[str, ...] = tuple(
    label.key
    for label in APPLICATION_ROWS
    if label.key not in {"new_received", "carried_over", "total_processed", "carried_forward"}
)

# Outcome groups for the people-facing shares view.
OUTCOME_GROUPS: dict[str, tuple[str, ...]] = {
    "granted": ("granted",),
    "partially_granted": ("partially_granted",),
    "denied": tuple(k for k in OUTCOME_ROWS if k.startswith("denied_")),
    "unable": tuple(k for k in OUTCOME_ROWS if k.startswith("unable_")),
    "not_processed": tuple(k for k in OUTCOME_ROWS if k.startswith("not_processed_")),
    "other": ("other_processing", "other_no_correction", "other_unpaid_fee", "other_misc"),
}

# Table 4 — 行政复议、行政诉讼 → review_litigation
REVIEW_GROUPS: tuple[Label, ...] = (
    Label("administrative_review", "行政复议", "Administrative review"),
    Label("litigation_direct", "行政诉讼 未经复议直接起诉", "Lawsuits filed directly"),
    Label("litigation_after_review", "行政诉讼 复议后起诉", "Lawsuits after review"),
)

REVIEW_COLUMNS: tuple[Label, ...] = (
    Label("upheld", "结果维持", "Upheld"),
    Label("corrected", "结果纠正", "Corrected"),
    Label("other", "其他结果", "Other result"),
    Label("pending", "尚未审结", "Pending"),
    Label("total", "总计", "Total"),
)

# Table 2 — 主动公开政府信息情况 → active_disclosure
ACTIVE_DISCLOSURE_ITEMS: tuple[Label, ...] = (
    Label("regulations", "规章", "Regulations (rules)"),
    Label("normative_documents", "行政规范性文件", "Normative documents"),
    Label("administrative_licensing", "行政许可", "Administrative licensing"),
    Label("other_management_services", "其他对外管理服务事项", "Other management services"),
    Label("administrative_penalty", "行政处罚", "Administrative penalties"),
    Label("administrative_coercion", "行政强制", "Administrative coercion"),
    Label("administrative_fees", "行政事业性收费", "Administrative fees"),
    Label("centralized_procurement", "政府集中采购", "Centralised government procurement"),
)

ACTIVE_DISCLOSURE_MEASURES: tuple[Label, ...] = (
    Label("issued", "本年制发件数", "Issued this year"),
    Label("repealed", "本年废止件数", "Repealed this year"),
    Label("in_force", "现行有效件数", "In force"),
    Label("new_made", "本年新制作数量", "Newly made this year"),
    Label("new_published", "本年新公开数量", "Newly published this year"),
    Label("total_published", "对外公开总数量", "Total published"),
    Label("prior_year_items", "上一年项目数量", "Items the year before"),
    Label("change", "本年增/减", "Change this year"),
    Label("decisions", "本年处理决定数量", "Decisions this year"),
    Label("amount_10k_yuan", "本年收费金额（万元）", "Amount (10,000 yuan)"),
    Label("items", "采购项目数量", "Procurement items"),
)

# Which measures each item has, per template (spec table 2).
ACTIVE_DISCLOSURE_LAYOUT: dict[str, dict[str, tuple[str, ...]]] = {
    "2021": {
        "regulations": ("issued", "repealed", "in_force"),
        "normative_documents": ("issued", "repealed", "in_force"),
        "administrative_licensing": ("decisions",),
        "administrative_penalty": ("decisions",),
        "administrative_coercion": ("decisions",),
        "administrative_fees": ("amount_10k_yuan",),
    },
    "2019": {
        "regulations": ("new_made", "new_published", "total_published"),
        "normative_documents": ("new_made", "new_published", "total_published"),
        "administrative_licensing": ("prior_year_items", "change", "decisions"),
        "other_management_services": ("prior_year_items", "change", "decisions"),
        "administrative_penalty": ("prior_year_items", "change", "decisions"),
        "administrative_coercion": ("prior_year_items", "change", "decisions"),
        "administrative_fees": ("prior_year_items", "change"),
        "centralized_procurement": ("items", "amount_10k_yuan"),
    },
}

SECTIONS: tuple[Label, ...] = (
    Label("overview", "一、总体情况", "Overview"),
    Label("active_disclosure", "二、主动公开政府信息情况", "Proactive disclosure"),
    Label("applications", "三、收到和处理政府信息公开申请情况", "Requests received and handled"),
    Label("review_litigation", "四、政府信息公开行政复议、行政诉讼情况", "Reviews and lawsuits"),
    Label("problems", "五、存在的主要问题及改进情况", "Problems and improvements"),
    Label("other", "六、其他需要报告的事项", "Other matters"),
)

TABLES: tuple[Label, ...] = (
    Label("active_disclosure", "主动公开政府信息情况", "Proactive disclosure"),
    Label("applications", "收到和处理政府信息公开申请情况", "Requests received and handled"),
    Label("review_litigation", "政府信息公开行政复议、行政诉讼情况", "Reviews and lawsuits"),
)

# What the parser read of a report's statistics: the parsed form's ``status``.
PARSE_STATUSES: tuple[Label, ...] = (
    Label("complete", "三张统计表齐全", "All three statistics tables read"),
    Label("partial", "部分统计表", "Some statistics tables read"),
    Label("no_tables", "无统计表", "No statistics table read"),
    Label(
        "pre2019",
        "2019年以前的旧式报告：统计表不是现行格式，未读取",
        "Report from before the 2019 template: its old-style tables are not read",
    ),
)

# A warning of the parsed form is ``code: detail`` — a machine code (a key below) and an
# English detail (row, column, numbers). The site shows the Chinese text of the code;
# a warning without a known code (an extractor's) is shown as it is. Check rules
# (``checks[].rule``) have their Chinese text here too.
WARNING_LABELS_ZH: dict[str, str] = {
    # the report as a whole
    "ocr_numbers": "数字由OCR识别，请与原件核对",
    "year_from_publication": "报告未写明年度：按发布日期推定为上一年",
    "not_a_report": "不是政府信息公开工作年度报告，未解析",
    "free_form_no_template": "没有2019或2021年格式的统计表（自由格式报告），统计数据留空",
    "pre2019_tables_not_read": "2019年以前的旧式报告：统计表不是现行格式，未读取（数据留空，正文可检索）",
    "template_before_its_year": "报告年度早于2019年，却印有2019/2021年格式的统计表：表格照读，请核对年度",
    "template_unrecognised": "未能从表头识别报告格式：表格已读取，格式留空",
    "mixed_template": "表二与表三使用了不同年份的格式",
    # table 2 — 主动公开政府信息情况
    "t2_rows_by_position": "表二：行名无法识别，按位置读取",
    "t2_row_out_of_block": "表二：该行不属于所在栏目，未读取",
    "t2_column_by_position": "表二：列标题与另一列相同，按位置读取",
    "t2_not_a_number": "表二：单元格不是数字，留空",
    "t2_yuan_converted": "表二：金额以元填报，已换算为万元",
    "t2_no_header_left_out": "表二：没有列标题，且读法不唯一，未读取",
    "t2_no_header_by_position": "表二：没有列标题，按位置读取",
    "t2_fewer_values": "表二：该行数字少于列数，无法判断哪一列空白，留空",
    # table 3 — 收到和处理政府信息公开申请情况
    "t3_text_in_values": "表三：数字之间夹有文字，该行留空",
    "t3_extra_value": "表三：该行多出一个数字，只保留各种读法一致的单元格",
    "t3_value_count": "表三：该行数字个数与列数不符，留空",
    "t3_ambiguous_place": "表三：该行数字可以对应两种列位置，留空",
    "t3_six_values_blank_total": "表三：原文总计列留空（空白≠0），六个数字按六类申请人读取",
    "t3_unplaced_values": "表三：该行数字可能落在不止一种位置，留空",
    "t3_cells_disagree": "表三：同一表头列下的两个单元格数字不同，留空",
    "t3_row_twice": "表三：同一行印了两次，内容相同，保留一份",
    "t3_row_twice_by_arithmetic": "表三：同一行印了两次且内容不同，保留符合勾稽关系的一份",
    "t3_row_twice_undecided": "表三：同一行印了两次且内容不同，无法判断哪一份正确，留空",
    "t3_values_without_label": "表三：一行数字没有行名，无法确定是哪一行，未读取",
    # table 4 — 行政复议、行政诉讼情况
    "t4_value_count": "表四：数字个数与列数不符，没有唯一符合总计关系的对齐方式，留空",
    "t4_aligned_by_arithmetic": "表四：数字个数与列数不符，按符合各项总计的对齐方式读取，不确定的单元格留空",
    # digits of neighbouring cells run together in flattened text
    "glued_decoded": "相邻单元格数字粘连：只有一种拆分满足全部勾稽关系，按此读取",
    "glued_ambiguous": "相邻单元格数字粘连：拆分方式不唯一或不满足勾稽关系，留空",
    # extraction
    "html_no_main_content": "未识别出网页正文区域：读取了整个页面",
    # checks (``checks[].rule``)
    "applications.balance": "勾稽关系：本年新收＋上年结转＝办理结果总计＋结转下年度",
    "applications.outcomes": "各项办理结果之和＝办理结果总计",
    "applications.row_totals": "各类申请人之和＝总计",
    "review_litigation.totals": "行政复议、行政诉讼各项结果之和＝总计",
    "active_disclosure.change": "上一年项目数量＋本年增/减＝本年项目数量",
    "text_vs_table": "正文所述数字与统计表不一致",
}
