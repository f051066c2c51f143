# 行政处罚程序：法制审核、集体讨论与听证（《中华人民共和国行政处罚法》第五十七条、
# 第五十八条、第六十三条、第六十四条、第八十五条）。只对行政处罚事项、在 step 事件上判断。
#
# 权力清单（事项流程环节）上的标记：
#   - requires_legal_review：该环节（处罚决定）作出前须经法制审核（第五十八条）；
#   - requires_hearing_notice：该环节决定的是第六十三条所列处罚（降低资质等级、吊销
#     许可证件、责令停产停业、较大数额罚款等），作出前须告知当事人有要求听证的权利。
# 环节记录的事实（attributes，本环节或本案此前任一环节记录的都算，取最近记录的一次）：
#   - legal_review_required: true    本案属第五十八条须法制审核的情形（重大、疑难复杂等）；
#   - complex / serious: true        情节复杂或者重大违法行为，决定前须集体讨论（第五十七条）；
#   - hearing_eligible: true         本案拟作出第六十三条所列处罚；
#   - legal_reviewed_at              法制审核意见作出的时间；
#   - collective_discussion_at       负责人集体讨论的时间；
#   - hearing_notified_at            告知当事人有要求听证权利的时间；
#   - hearing_requested_at           当事人要求听证的时间；
#   - hearing_notice_served_at       通知当事人举行听证时间、地点的时间（未记录时以
#                                    hearing_notified_at 计，听证通知不可能早于权利告知）；
#   - hearing_at                     举行听证的时间。
# 法制审核、集体讨论也可作为流程环节记录（环节编码 legal_review、collective_discussion）。
# 标记为须办的事项以“决定环节”判断：带标记的环节；案件事实触发的，为事项的决定环节
# （ends_clock 的环节，没有则为流程最后一个环节）。
#
# 期间：第八十五条规定本法中“五日”“七日”指工作日，不含法定节假日；期间开始之日不计算
# 在内。要求听证晚于告知后第 5 个工作日的，预警（行政机关受理了逾期申请，须复核）；
# 举行听证之日距通知之日不足 7 个工作日（workday.count(通知, 听证) < 7）的，报警。
package compliance.penalty

legal_review_basis := "《中华人民共和国行政处罚法》第五十八条"

collective_basis := "《中华人民共和国行政处罚法》第五十七条第二款"

hearing_notice_basis := "《中华人民共和国行政处罚法》第六十三条、第六十四条"

hearing_request_basis := "《中华人民共和国行政处罚法》第六十四条第一项、第八十五条"

hearing_summons_basis := "《中华人民共和国行政处罚法》第六十四条第二项、第八十五条"

# 当事人要求听证的，应当在行政机关告知后五日内提出。
request_days := 5

# 行政机关应当在举行听证的七日前通知当事人。
notice_days := 7

# METADATA
# title: 处罚决定前未经法制审核
# description: >-
#   权力清单标明须法制审核的环节，或案件记录为须法制审核（legal_review_required）的
#   处罚决定，作出前没有法制审核记录，或法制审核晚于决定。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政处罚法》第五十八条
warnings contains {
	"rule": "penalty.legal_review_missing",
	"level": "alarm",
	"message": sprintf("行政处罚案件 %s 的“%s”环节作出前须经法制审核，%s；未经法制审核或者审核未通过的，不得作出决定", [
		case_no, step_label, missing_text("legal_reviewed_at", "legal_review", "法制审核"),
	]),
	"basis": legal_review_basis,
} if {
	penalty_step
	legal_review_required
	not done_before("legal_reviewed_at", "legal_review")
}

# METADATA
# title: 情节复杂或重大违法案件未经集体讨论
# description: >-
#   案件记录为情节复杂（complex）或重大违法行为（serious），处罚决定作出前没有行政机关
#   负责人集体讨论的记录，或集体讨论晚于决定。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政处罚法》第五十七条第二款
warnings contains {
	"rule": "penalty.collective_discussion_missing",
	"level": "alarm",
	"message": sprintf("行政处罚案件 %s 属%s，“%s”环节作出前行政机关负责人应当集体讨论决定，%s", [
		case_no, concat("、", sort(gravity)), step_label,
		missing_text("collective_discussion_at", "collective_discussion", "集体讨论"),
	]),
	"basis": collective_basis,
} if {
	penalty_step
	is_decision
	count(gravity) > 0
	not done_before("collective_discussion_at", "collective_discussion")
}

# METADATA
# title: 作出较重行政处罚前未告知听证权利
# description: >-
#   拟作出《行政处罚法》第六十三条所列处罚（权力清单环节标记 requires_hearing_notice，或
#   案件记录 hearing_eligible），决定前没有告知当事人有要求听证的权利（hearing_notified_at）。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政处罚法》第六十三条、第六十四条
warnings contains {
	"rule": "penalty.hearing_notice_missing",
	"level": "alarm",
	"message": sprintf("行政处罚案件 %s 拟作出的处罚属《行政处罚法》第六十三条所列情形，“%s”环节作出前应当告知当事人有要求听证的权利，%s", [
		case_no, step_label, missing_text("hearing_notified_at", "", "听证权利告知"),
	]),
	"basis": hearing_notice_basis,
} if {
	penalty_step
	hearing_required
	not done_before("hearing_notified_at", "")
}

# METADATA
# title: 当事人要求听证超过告知后五个工作日
# description: >-
#   当事人要求听证的时间晚于告知听证权利后第 5 个工作日（《行政处罚法》第六十四条第一项、
#   第八十五条）；行政机关仍组织听证或据此处理的，须复核。
# custom:
#   level: prewarning
#   basis: 《中华人民共和国行政处罚法》第六十四条第一项、第八十五条
warnings contains {
	"rule": "penalty.hearing_request_late",
	"level": "prewarning",
	"key": "hearing_request",
	"message": sprintf("行政处罚案件 %s 于 %s 告知当事人听证权利，当事人于 %s 才要求听证，已超过告知后 %d 个工作日（应于 %s 前提出），请复核是否应当组织听证", [
		case_no, day(notified), day(requested), request_days, workday.add(notified, request_days),
	]),
	"basis": hearing_request_basis,
} if {
	penalty_step
	records_any({"hearing_notified_at", "hearing_requested_at"})
	notified := fact("hearing_notified_at")
	requested := fact("hearing_requested_at")
	workday.count(notified, requested) > request_days
}

# METADATA
# title: 听证通知距举行听证不足七个工作日
# description: >-
#   通知当事人举行听证的时间、地点，距举行听证之日不足 7 个工作日（《行政处罚法》
#   第六十四条第二项、第八十五条）。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政处罚法》第六十四条第二项、第八十五条
warnings contains {
	"rule": "penalty.hearing_notice_short",
	"level": "alarm",
	"key": "hearing_notice",
	"message": sprintf("行政处罚案件 %s 于 %s 通知当事人听证，于 %s 举行听证，相隔仅 %d 个工作日；应当在举行听证的 %d 个工作日前通知当事人及有关人员听证的时间、地点", [
		case_no, day(notice), day(held), workday.count(notice, held), notice_days,
	]),
	"basis": hearing_summons_basis,
} if {
	penalty_step
	records_any({"hearing_notice_served_at", "hearing_notified_at", "hearing_at"})
	held := fact("hearing_at")
	notice := hearing_notice
	workday.count(notice, held) < notice_days
}

# ---------------------------------------------------------------- facts

penalty_step if {
	input.event == "step"
	input.item.category == "行政处罚"
}

case_no := object.get(input.case, "case_no", "")

# case_steps: the case's earlier steps and the one submitted, in recording order.
case_steps := array.concat(object.get(input.case, "steps", []), [input.step])

flow_entry := f if {
	some f in input.item.steps
	f.code == input.step.step_code
}

# is_decision: the step is the item's decision: the one that ends the clock,
# else the last of the flow.
is_decision if input.step.step_code == decision_step_code

decision_step_code := codes[0] if {
	codes := [s.code | some s in input.item.steps; s.ends_clock == true]
	count(codes) > 0
} else := input.item.steps[count(input.item.steps) - 1].code

flagged(name) if {
	some s in case_steps
	s.attributes[name] == true
}

# fact(name): the attribute as the latest step of the case that records it gives it.
fact(name) := vs[count(vs) - 1] if {
	vs := [v | some s in case_steps; v := s.attributes[name]; is_string(v)]
	count(vs) > 0
}

records_any(names) if {
	some name in names
	is_string(input.step.attributes[name])
}

legal_review_required if flow_entry.requires_legal_review == true

legal_review_required if {
	is_decision
	flagged("legal_review_required")
}

hearing_required if flow_entry.requires_hearing_notice == true

hearing_required if {
	is_decision
	flagged("hearing_eligible")
}

gravity contains "情节复杂" if flagged("complex")

gravity contains "重大违法行为" if flagged("serious")

hearing_notice := t if {
	t := fact("hearing_notice_served_at")
} else := fact("hearing_notified_at")

occurred_ns := time.parse_rfc3339_ns(input.step.occurred_at)

# done_before(attr, code): the act is recorded as an attribute, or as an
# earlier step with code, at or before the step's time.
done_before(attr, _) if {
	some s in case_steps
	t := s.attributes[attr]
	is_string(t)
	time.parse_rfc3339_ns(t) <= occurred_ns
}

done_before(_, code) if {
	code != ""
	some s in input.case.steps
	s.step_code == code
	time.parse_rfc3339_ns(s.occurred_at) <= occurred_ns
}

# missing_text says what is recorded of the act: nothing, or a time after the step.
missing_text(attr, code, name) := sprintf("但记录的%s时间 %s 晚于本环节办理时间 %s", [name, clock(t), clock(input.step.occurred_at)]) if {
	t := fact(attr)
} else := sprintf("但记录的%s环节晚于本环节办理", [name]) if {
	code != ""
	some s in input.case.steps
	s.step_code == code
} else := sprintf("但本案没有%s记录", [name])

day(ts) := workday.date(ts)

clock(ts) := time.format([time.parse_rfc3339_ns(ts), "Asia/Shanghai", "2006-01-02 15:04"])

clock_step_names := {"suspend": "中止", "resume": "恢复", "extend": "延期"}

step_label := names[0] if {
	names := [s.name | some s in input.item.steps; s.code == input.step.step_code; s.name != ""]
	count(names) > 0
} else := clock_step_names[input.step.step_code] if {
	clock_step_names[input.step.step_code]
} else := input.step.step_code
