# 廉政风险防控点：权力清单标明为风险防控点或要求审核的环节必须有相应审核，
# 审核与经办必须分离，审核应在办理之前或同时作出；延长办理期限必须经批准。
#
# 审核以审核人本人账号签署的记录为准（input.case.approvals：step_code、
# decision、opinion、role、username、real_name、at，at 为服务器时间）；
# 环节记录中申报的审核（input.step.approvals）仅作申报，不作为审核依据。
#
# 哪些审核签署于环节办理之前、哪一份最后签署、哪些由经办人本人签署或晚于
# 办理，由引擎根据签署记录算出，见 input.case.facts.approvals：
#   - before：本环节办理前（且不早于同一环节的前一次办理）签署的审核；
#   - last_before：其中最后签署的一份，按角色（"" 为任何角色）；
#   - submitted（本环节）与 recorded（已记录的各环节）：step（环节）、
#     self_roles（经办人本人签署的审核的角色）、late（晚于办理签署的审核）。

# METADATA
# custom:
#   events: [step, tick]
package compliance.checkpoint

checkpoint_basis := "《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）廉政风险防控点要求"

extension_basis := "《中华人民共和国行政许可法》第四十二条"

# role_names are the roles as people call them (compliance.Role.Name).
role_names := {
	"admin": "电子政务办管理员",
	"legal": "法制办",
	"oversight": "政管办",
	"supervision": "监察局",
	"dept_admin": "部门负责人",
	"clerk": "录入员",
	"dept_inspector": "监察人员",
}

# METADATA
# title: 风险防控点环节缺少审核
# description: >-
#   权力清单标明为廉政风险防控点或要求审核的环节办理前，没有相应角色以本人账号
#   签署的审核；环节记录中申报的审核不作为审核依据。
# custom:
#   level: alarm
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）廉政风险防控点要求
warnings contains {
	"rule": "checkpoint.approval_missing",
	"level": "alarm",
	"message": approval_missing_message(role),
	"basis": checkpoint_basis,
} if {
	input.event == "step"
	f := flow_entry
	needs_approval(f)
	role := required_role(f)
	not approvals.last_before[role]
	not unapproved_extension # reported as checkpoint.extension_unapproved
}

# METADATA
# title: 审核不同意仍办理
# description: >-
#   环节办理前最后一次签署的审核结论为不同意，环节仍予办理。
# custom:
#   level: alarm
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）廉政风险防控点要求
warnings contains {
	"rule": "checkpoint.approval_rejected",
	"level": "alarm",
	"message": sprintf("环节“%s”于%s办理，而%s%s已于%s审核不同意%s，该环节不应办理", [
		step_label,
		clock(input.step.occurred_at),
		role_label(last.role),
		last.real_name,
		clock(last.at),
		opinion_text(last),
	]),
	"basis": checkpoint_basis,
} if {
	input.event == "step"
	takes_approval
	last := approvals.last_before[step_role]
	last.decision == "reject"
}

# METADATA
# title: 经办人自行审核
# description: >-
#   环节的审核人就是该环节的经办人（审核人账号即录入该环节的账号，或审核人实名
#   即环节的经办人），审核与经办未分离。
# custom:
#   level: alarm
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）廉政风险防控点要求
warnings contains {
	"rule": "checkpoint.self_approval",
	"level": "alarm",
	"message": sprintf("环节“%s”的经办人%s同时作为%s审核了本环节，审核与经办未分离", [
		label_of(c.step.step_code),
		c.step.handler,
		concat("、", sort(roles)),
	]),
	"basis": checkpoint_basis,
	"key": c.step.id,
} if {
	some c in checked_steps
	roles := {role_label(r) | some r in c.self_roles}
	count(roles) > 0
}

# METADATA
# title: 审核晚于环节办理
# description: >-
#   审核的签署时间晚于环节的办理时间，即先办理、后审核。审核在环节录入之后才签署的，
#   在下一次巡检（sweep）时发现。
# custom:
#   level: prewarning
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）廉政风险防控点要求
warnings contains {
	"rule": "checkpoint.approval_after_step",
	"level": "prewarning",
	"message": sprintf("环节“%s”于%s办理，而%s，审核晚于办理", [
		label_of(c.step.step_code),
		clock(c.step.occurred_at),
		concat("；", sort(late)),
	]),
	"basis": checkpoint_basis,
	"key": c.step.id,
} if {
	some c in checked_steps
	late := {sprintf("%s%s的审核时间为%s", [role_label(a.role), a.real_name, clock(a.at)]) | some a in c.late}
	count(late) > 0
}

# METADATA
# title: 延长办理期限未经批准
# description: >-
#   延期环节（extend）办理前没有任何以本人账号签署的批准；延长办理（办案）期限须经
#   本行政机关负责人批准。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政许可法》第四十二条
warnings contains {
	"rule": "checkpoint.extension_unapproved",
	"level": "alarm",
	"message": sprintf("%s %s 延长%s%s，未记录本行政机关负责人的批准", [case_word, input.step.case_no, period_word, extension_text]),
	"basis": extension_basis,
} if {
	unapproved_extension
}

# METADATA
# title: 延长办理期限的批准人不符合规定
# description: >-
#   延期环节有签署的批准，但没有事项（或法律对该类事项）规定的批准角色的批准：行政许可、
#   查封扣押的延长须经本行政机关负责人（部门负责人）批准。该延长不计入办理期限。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政许可法》第四十二条；《中华人民共和国行政强制法》第二十五条
warnings contains {
	"rule": "checkpoint.extension_wrong_approver",
	"level": "alarm",
	"message": sprintf("%s %s 延长%s%s，须经%s批准，但只有%s的批准；该延长不计入%s", [
		case_word,
		input.step.case_no,
		period_word,
		extension_text,
		role_label(role),
		concat("、", sort({sprintf("%s%s", [role_label(a.role), a.real_name]) | some a in signed_before})),
		period_word,
	]),
	"basis": extension_rule_basis,
} if {
	input.event == "step"
	input.step.step_code == "extend"
	count(signed_before) > 0
	role := extension_approver
	not approvals.last_before[role]
	not flow_checked # a flow that lists extend itself: reported as checkpoint.approval_missing
}

flow_checked if needs_approval(flow_entry)

# extension_approver: the role that must approve an extension: the item's
# extension.approver_role, else the law's for its category (the same defaults
# as extension_rule in the deadline module).
extension_approver := r if {
	r := input.item.extension.approver_role
	is_string(r)
	r != ""
} else := "dept_admin" if {
	input.item.category == "行政许可"
} else := "dept_admin" if {
	input.item.category == "行政强制"
	_seizure
}

_seizure if contains(input.item.name, "查封")

_seizure if contains(input.item.name, "扣押")

extension_rule_basis := "《中华人民共和国行政强制法》第二十五条" if {
	input.item.category == "行政强制"
} else := extension_basis if {
	input.item.category == "行政许可"
} else := sprintf("权力清单“%s”载明的延长期限规定", [input.item.name])

unapproved_extension if {
	input.event == "step"
	input.step.step_code == "extend"
	count(signed_before) == 0
}

# approvals are the facts the engine works out from the signed approvals
# (see the top of this file).
approvals := input.case.facts.approvals

# signed_before: the signed approvals of the submitted step's code signed no
# later than the step occurred, and not before an earlier step of the same
# code (a second extension, say), which they were for: those that may pass it.
signed_before := b if {
	b := approvals.before
} else := []

# checked_steps are the approval checks (see the top of this file) of the
# steps whose approvals are looked at: the submitted step when it takes an
# approval; on a tick, every recorded step of the flow that takes one, so
# that an approval signed after such a step was recorded is seen at the
# sweeper's next visit. Extensions are left to their own step: a later
# extend approval may be meant for the next extension.
checked_steps contains approvals.submitted if {
	input.event == "step"
	takes_approval
}

checked_steps contains c if {
	input.event == "tick"
	some c in approvals.recorded
	needs_approval(entry_of(c.step.step_code))
}

takes_approval if needs_approval(flow_entry)

takes_approval if input.step.step_code == "extend"

# step_role: the role whose approval the submitted step needs ("" any).
step_role := required_role(flow_entry) if {
	flow_checked
} else := r if {
	input.step.step_code == "extend"
	r := extension_approver
} else := ""

# flow_entry is the item's flow step that the step records.
flow_entry := entry_of(input.step.step_code)

entry_of(code) := entries[0] if {
	entries := [input.item.steps[i] | input.item.steps[i].code == code]
	count(entries) > 0
}

needs_approval(f) if f.risk_checkpoint == true

needs_approval(f) if required_role(f) != ""

required_role(f) := f.requires_approval if {
	is_string(f.requires_approval)
} else := ""

approval_missing_message(role) := sprintf("环节“%s”%s，须经%s审核，但办理前未签署该审核%s%s", [
	step_label,
	checkpoint_text,
	role_label(role),
	given_text,
	declared_text,
]) if role != ""

approval_missing_message("") := sprintf("环节“%s”%s，须经审核，但办理前未签署任何审核%s", [step_label, checkpoint_text, declared_text])

checkpoint_text := "为廉政风险防控点" if {
	flow_entry.risk_checkpoint == true
} else := "按权力清单要求"

given_text := "" if {
	count(signed_before) == 0
} else := sprintf("（已签署：%s）", [concat("、", sort({sprintf("%s%s", [role_label(a.role), a.real_name]) | some a in signed_before}))])

# declared_text: approvals that the step's body declares are named as such.
declared_text := "；环节记录中申报的审核仅作申报，不作为审核依据" if {
	count([a | some a in object.get(input.step, "approvals", []); is_object(a)]) > 0
} else := ""

opinion_text(a) := sprintf("（意见：%s）", [a.opinion]) if {
	is_string(a.opinion)
	a.opinion != ""
} else := ""

# role_label is what a message calls a role: its Chinese name. A role this
# list lacks is not named by its code, which means nothing to a reader.
role_label(role) := role_names[role] if {
	role_names[role]
} else := "审核人员"

extension_text := sprintf(" %v 日", [input.step.attributes.extension_days]) if {
	is_number(input.step.attributes.extension_days)
} else := ""

# clock formats a timestamp in Asia/Shanghai to the minute, as 2026年3月10日9时00分.
clock(ts) := time.format([time.parse_rfc3339_ns(ts), "Asia/Shanghai", "2006年1月2日15时04分"])

# case_word is what the case is called: a penalty is a 案件 opened by 立案,
# anything else a 办件 accepted by 受理.
case_word := "案件" if {
	input.item.category == "行政处罚"
} else := "办件"

period_word := "办案期限" if {
	input.item.category == "行政处罚"
} else := "办理期限"

clock_step_names := {"suspend": "中止", "resume": "恢复", "extend": "延期"}

step_label := label_of(input.step.step_code)

# label_of names a step as the item's flow does, then as every flow's own
# steps are called, then by its code.
label_of(code) := names[0] if {
	names := [s.name | some s in input.item.steps; s.code == code; s.name != ""]
	count(names) > 0
} else := clock_step_names[code] if {
	clock_step_names[code]
} else := code
