# 办理顺序：环节须按权力清单的流程顺序办理，不得跳过前一环节、重复办理或倒填
# 时间；中止与恢复须成对出现，中止期间不得继续办理流程环节。
#
# 此前已记录的环节及其先后，由引擎算出，见 input.case.facts.order：earlier（此前
# 记录的环节，按记录顺序）、last_index（各环节代码最后一次记录在 earlier 中的
# 位置）、same（此前记录的与本环节同一代码的环节）、latest 与 latest_ns（办理时间
# 最晚的环节及其时间）、open_suspension（尚未恢复的中止）。

# METADATA
# custom:
#   events: [step]
package compliance.sequence

basis := "《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）按流程办理要求"

suspension_basis := "《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）按流程办理要求；《中华人民共和国行政许可法》第四十五条"

# METADATA
# title: 环节办理顺序错误
# description: >-
#   办件（行政处罚为案件）的首个环节不是流程的第一个环节，或者某一环节办理时，流程中紧邻其前的环节
#   尚未办理。
# custom:
#   level: alarm
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）按流程办理要求
warnings contains {
	"rule": "sequence.out_of_order",
	"level": "alarm",
	"message": sprintf("%s %s 的首个环节应为“%s”，实际记录的是“%s”", [
		case_word,
		input.step.case_no,
		label(input.item.steps[0].code),
		label(input.step.step_code),
	]),
	"basis": basis,
} if {
	input.event == "step"
	earlier == []
	input.step.step_code != input.item.steps[0].code
}

# METADATA
# title: 环节办理顺序错误
# description: >-
#   办件（行政处罚为案件）的首个环节不是流程的第一个环节，或者某一环节办理时，流程中紧邻其前的环节
#   尚未办理。
# custom:
#   level: alarm
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）按流程办理要求
warnings contains {
	"rule": "sequence.out_of_order",
	"level": "alarm",
	"message": sprintf("环节“%s”办理前应先办理“%s”，但%s %s 中没有该环节的记录", [
		label(input.step.step_code),
		label(previous),
		case_word,
		input.step.case_no,
	]),
	"basis": basis,
} if {
	input.event == "step"
	i := flow_index
	i > 0
	earlier != []
	previous := input.item.steps[i - 1].code
	not last_index[previous]
}

# METADATA
# title: 环节重复办理
# description: >-
#   流程中的某一环节在办件中已经办理过，又再次记录。
# custom:
#   level: prewarning
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）按流程办理要求
warnings contains {
	"rule": "sequence.repeated",
	"level": "prewarning",
	"message": sprintf("环节“%s”已于%s办理过%s，本次为重复记录", [
		label(input.step.step_code),
		clock(same[0].occurred_at),
		times_text(count(same)),
	]),
	"basis": basis,
} if {
	input.event == "step"
	last_index[input.step.step_code]
	flow_index
	same := order.same
}

# METADATA
# title: 环节办理时间倒置
# description: >-
#   环节的办理时间早于办件（案件）中此前已记录环节的办理时间（倒填时间或补录顺序错乱）。
# custom:
#   level: prewarning
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）按流程办理要求
warnings contains {
	"rule": "sequence.time_reversed",
	"level": "prewarning",
	"message": sprintf("环节“%s”的办理时间%s早于此前已记录的环节“%s”的办理时间%s", [
		label(input.step.step_code),
		clock(input.step.occurred_at),
		label(latest.step_code),
		clock(latest.occurred_at),
	]),
	"basis": basis,
} if {
	input.event == "step"
	occurred := time.parse_rfc3339_ns(input.step.occurred_at)
	latest_ns > occurred
}

# METADATA
# title: 恢复前没有中止
# description: >-
#   记录了恢复（resume），但办件（案件）此前没有尚未恢复的中止（suspend）。
# custom:
#   level: alarm
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）按流程办理要求；《中华人民共和国行政许可法》第四十五条
warnings contains {
	"rule": "sequence.resume_without_suspend",
	"level": "alarm",
	"message": sprintf("%s %s 记录了“恢复”，但此前没有尚未恢复的“中止”", [case_word, input.step.case_no]),
	"basis": suspension_basis,
} if {
	input.event == "step"
	input.step.step_code == "resume"
	not open_suspension
}

# METADATA
# title: 重复中止
# description: >-
#   办件（案件）已经中止且尚未恢复，又记录了一次中止。
# custom:
#   level: prewarning
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）按流程办理要求；《中华人民共和国行政许可法》第四十五条
warnings contains {
	"rule": "sequence.already_suspended",
	"level": "prewarning",
	"message": sprintf("%s %s 已于%s中止且尚未恢复，又记录了“中止”", [case_word, input.step.case_no, clock(open_suspension.occurred_at)]),
	"basis": suspension_basis,
} if {
	input.event == "step"
	input.step.step_code == "suspend"
	open_suspension
}

# METADATA
# title: 中止期间办理流程环节
# description: >-
#   办件（案件）中止后尚未记录恢复，就办理了流程中的环节；中止期间不计入办理时限，
#   不先记录恢复会使时限一直停止计算。
# custom:
#   level: prewarning
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）按流程办理要求；《中华人民共和国行政许可法》第四十五条
warnings contains {
	"rule": "sequence.step_while_suspended",
	"level": "prewarning",
	"message": sprintf("%s %s 于%s中止后尚未恢复，却办理了环节“%s”，应先记录“恢复”", [
		case_word,
		input.step.case_no,
		clock(open_suspension.occurred_at),
		label(input.step.step_code),
	]),
	"basis": suspension_basis,
} if {
	input.event == "step"
	open_suspension
	flow_index
}

order := input.case.facts.order

# earlier are the case's steps before this one, in the order they were
# recorded. The step itself is left out should a re-check list it among them.
earlier := order.earlier

# last_index maps each step code to the position in earlier of its latest
# record.
last_index := order.last_index

# flow_index is the position of the step in the item's flow; undefined for
# steps outside it (suspend, resume, extend).
flow_index := indexes[0] if {
	indexes := [i | input.item.steps[i].code == input.step.step_code]
	count(indexes) > 0
}

latest_ns := order.latest_ns

latest := order.latest

# open_suspension is the suspend step not yet followed by a resume, if any.
open_suspension := order.open_suspension

times_text(1) := ""

times_text(n) := sprintf("（此前已记录 %d 次）", [n]) if n > 1

# clock formats a timestamp in Asia/Shanghai to the minute, as 2026年3月3日9时00分; a value that is
# not a timestamp is shown as it is.
clock(ts) := time.format([time.parse_rfc3339_ns(ts), "Asia/Shanghai", "2006年1月2日15时04分"]) if {
	is_string(ts)
} else := sprintf("%v", [ts])

# case_word is what the case is called: a penalty is a 案件 opened by 立案,
# anything else a 办件 accepted by 受理.
case_word := "案件" if {
	input.item.category == "行政处罚"
} else := "办件"

clock_step_names := {"suspend": "中止", "resume": "恢复", "extend": "延期"}

label(code) := names[0] if {
	names := [s.name | some s in input.item.steps; s.code == code; s.name != ""]
	count(names) > 0
} else := clock_step_names[code] if {
	clock_step_names[code]
} else := sprintf("%v", [code])
