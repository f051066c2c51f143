# 廉政风险防控点：权力清单标明为风险防控点或要求审核的环节必须有相应审核，
# 审核与经办必须分离，审核应在办理之前或同时作出；延长办理期限必须经批准。
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
#   权力清单标明为廉政风险防控点或要求审核的环节没有审核记录；要求特定审核角色的，
#   须有该角色的审核。
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
	not approved(role)
	not unapproved_extension # reported as checkpoint.extension_unapproved
}

# METADATA
# title: 经办人自行审核
# description: >-
#   环节的审核人就是该环节的经办人，审核与经办未分离。
# custom:
#   level: alarm
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）廉政风险防控点要求
warnings contains {
	"rule": "checkpoint.self_approval",
	"level": "alarm",
	"message": sprintf("环节“%s”的经办人%s同时作为%s审核了本环节，审核与经办未分离", [
		step_label,
		input.step.handler,
		concat("、", sort(self_roles)),
	]),
	"basis": checkpoint_basis,
} if {
	input.event == "step"
	count(self_roles) > 0
}

# METADATA
# title: 审核晚于环节办理
# description: >-
#   审核时间晚于环节的办理时间，即先办理、后审核。
# custom:
#   level: prewarning
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）廉政风险防控点要求
warnings contains {
	"rule": "checkpoint.approval_after_step",
	"level": "prewarning",
	"message": sprintf("环节“%s”于%s办理，而%s，审核晚于办理", [
		step_label,
		clock(input.step.occurred_at),
		concat("；", sort(late_approvals)),
	]),
	"basis": checkpoint_basis,
} if {
	input.event == "step"
	count(late_approvals) > 0
}

# METADATA
# title: 延长办理期限未经批准
# description: >-
#   延期环节（extend）没有任何批准记录；延长办理（办案）期限须经本行政机关负责人批准。
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
#   延期环节有批准记录，但没有事项（或法律对该类事项）规定的批准角色的批准：行政许可、
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
		concat("、", sort({sprintf("%s%s", [role_label(a.role), a.by]) | some a in approvals})),
		period_word,
	]),
	"basis": extension_rule_basis,
} if {
	input.event == "step"
	input.step.step_code == "extend"
	count(approvals) > 0
	role := extension_approver
	not approved(role)
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
	count(approvals) == 0
}

approvals := [a | a := input.step.approvals[_]; is_object(a)]

# flow_entry is the item's flow step that the step records.
flow_entry := entries[0] if {
	entries := [input.item.steps[i] | input.item.steps[i].code == input.step.step_code]
	count(entries) > 0
}

needs_approval(f) if f.risk_checkpoint == true

needs_approval(f) if required_role(f) != ""

required_role(f) := f.requires_approval if {
	is_string(f.requires_approval)
} else := ""

approved("") if count(approvals) > 0

approved(role) if {
	role != ""
	some a in approvals
	a.role == role
}

approval_missing_message(role) := sprintf("环节“%s”%s，须经%s审核，但未记录该审核%s", [
	step_label,
	checkpoint_text,
	role_label(role),
	given_text,
]) if role != ""

approval_missing_message("") := sprintf("环节“%s”%s，须经审核，但未记录任何审核", [step_label, checkpoint_text])

checkpoint_text := "为廉政风险防控点" if {
	flow_entry.risk_checkpoint == true
} else := "按权力清单要求"

given_text := "" if {
	count(approvals) == 0
} else := sprintf("（现有审核：%s）", [concat("、", sort({sprintf("%s%s", [role_label(a.role), a.by]) | some a in approvals}))])

# role_label is what a message calls a role: its Chinese name. A role this
# list lacks is not named by its code, which means nothing to a reader.
role_label(role) := role_names[role] if {
	role_names[role]
} else := "审核人员"

self_roles contains role_label(a.role) if {
	input.step.handler != ""
	some a in approvals
	a.by == input.step.handler
}

late_approvals contains sprintf("%s%s的审核时间为%s", [role_label(a.role), a.by, clock(a.at)]) if {
	occurred := time.parse_rfc3339_ns(input.step.occurred_at)
	some a in approvals
	time.parse_rfc3339_ns(a.at) > occurred
}

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

step_label := names[0] if {
	names := [s.name | some s in input.item.steps; s.code == input.step.step_code; s.name != ""]
	count(names) > 0
} else := clock_step_names[input.step.step_code] if {
	clock_step_names[input.step.step_code]
} else := input.step.step_code
