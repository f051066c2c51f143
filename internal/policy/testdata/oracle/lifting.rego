# 预警解除：期限“即将到期”的预警（deadline.item_due_soon、deadline.step_due_soon）所警示的
# 情况被后来的事实消除——该期限的环节已在期限内办结，或办件已中止计时——时，本模块在
# lifted 中列出这些预警，系统将其由“待处理”转为“已解除”（lifted），操作人为 system，
# 说明写明原因。只列出仍为待处理（open）的预警：报警从不解除；部门已说明、整改的预警
# 由部门和政管办继续处理。已解除的预警在同一办件、同一期限不再重复产生；期限届满仍未
# 办结的，照常报警。
#
# lifted 的每一项为 {"id": 预警编号, "reason": 解除原因}。本模块不产生预警。
package compliance.lifting

import data.compliance.deadline

due_soon_rules := {"deadline.item_due_soon", "deadline.step_due_soon"}

# candidates: the case's open due-soon pre-warnings. The deadlines are
# computed only when there is one.
candidates contains w if {
	input.event in {"step", "tick"}
	some w in object.get(input.case, "warnings", [])
	w.level == "prewarning"
	w.status == "open"
	w.rule in due_soon_rules
}

lifted contains {"id": w.id, "reason": reason} if {
	some w in candidates
	some d in deadline.deadlines
	d.key == w.key
	reason := overtaken(d)
}

overtaken(d) := sprintf("%s已于 %s 办结，未超过期限（%s 届满），所预警的情况已消除，系统自动解除", [d.name, d.done, d.due]) if {
	d.state == "done_on_time"
}

overtaken(d) := sprintf("办件已中止计时，%s暂停计算，所预警的情况已消除，系统自动解除", [d.name]) if {
	d.state == "suspended"
}
