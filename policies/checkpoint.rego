# 廉政风险防控点：权力清单标明为风险防控点或要求审核的环节必须有相应审核，
# 审核与经办必须分离，审核应在办理之前或同时作出；延长办理期限必须经批准。
package compliance.checkpoint

checkpoint_basis := "《行政权力依法规范公开运行工作方案》廉政风险防控点要求"

extension_basis := "《中华人民共和国行政许可法》第四十二条"

# role_names are the Chinese names of the account roles that approve.
role_names := {
	"admin": "区电子政务办",
	"legal": "区法制办",
	"oversight": "区政管办",
	"supervision": "区监察局",
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
#   basis: 《行政权力依法规范公开运行工作方案》廉政风险防控点要求
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
#   basis: 《行政权力依法规范公开运行工作方案》廉政风险防控点要求
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
#   basis: 《行政权力依法规范公开运行工作方案》廉政风险防控点要求
warnings contains {
	"rule": "checkpoint.approval_after_step",
	"level": "prewarning",
	"message": sprintf("环节“%s”于 %s 办理，而%s，审核晚于办理", [
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
#   延期环节（extend）没有任何批准记录；延长法定办理期限须经本行政机关负责人批准。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政许可法》第四十二条
warnings contains {
	"rule": "checkpoint.extension_unapproved",
	"level": "alarm",
	"message": sprintf("办件 %s 延长办理期限%s，未记录本行政机关负责人的批准", [input.step.case_no, extension_text]),
	"basis": extension_basis,
} if {
	unapproved_extension
}

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

# role_label is what a message calls a role: its Chinese name; a role the
# catalogue names but this list lacks keeps its code.
role_label(role) := role_names[role] if {
	role_names[role]
} else := sprintf("%v", [role])

self_roles contains role_label(a.role) if {
	input.step.handler != ""
	some a in approvals
	a.by == input.step.handler
}

late_approvals contains sprintf("%s%s的审核时间为 %s", [role_label(a.role), a.by, clock(a.at)]) if {
	occurred := time.parse_rfc3339_ns(input.step.occurred_at)
	some a in approvals
	time.parse_rfc3339_ns(a.at) > occurred
}

extension_text := sprintf(" %v 日", [input.step.attributes.extension_days]) if {
	is_number(input.step.attributes.extension_days)
} else := ""

# clock formats a timestamp in Asia/Shanghai to the minute.
clock(ts) := time.format([time.parse_rfc3339_ns(ts), "Asia/Shanghai", "2006-01-02 15:04"])

clock_step_names := {"suspend": "中止", "resume": "恢复", "extend": "延期"}

step_label := names[0] if {
	names := [s.name | some s in input.item.steps; s.code == input.step.step_code; s.name != ""]
	count(names) > 0
} else := clock_step_names[input.step.step_code] if {
	clock_step_names[input.step.step_code]
} else := input.step.step_code
