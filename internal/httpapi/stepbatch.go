package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// maxBatchBody is the body limit of POST /api/v1/steps/batch: 1,000 steps
// of 16 KiB each on average (a step's attributes alone may take 16 KiB).
const maxBatchBody = 16 << 20

// stepBatchRequest is the body of POST /api/v1/steps/batch. Each step is
// decoded on its own, as POST /api/v1/steps decodes its body, so that a
// malformed step is refused alone.
type stepBatchRequest struct {
	Steps []json.RawMessage `json:"steps"`
}

// stepBatchAnswer answers a batch: one result per step, in order.
type stepBatchAnswer struct {
	Results []stepBatchResult `json:"results"`
	// Stored, Replayed and Refused count the results by kind.
	Stored   int `json:"stored"`
	Replayed int `json:"replayed"`
	Refused  int `json:"refused"`
}

// stepBatchResult is what POST /api/v1/steps would have answered for one
// step: its status and its body (the step's answer, or {"error": …}).
type stepBatchResult struct {
	ID     string `json:"id"`
	Status int    `json:"status"`
	Body   any    `json:"body"`
}

// submitSteps answers POST /api/v1/steps/batch: 200 with one result per
// step. A batch that is not one (malformed, empty, over
// compliance.MaxBatchSteps steps) is refused whole and stores nothing.
func (h *casesAPI) submitSteps(c *gin.Context) {
	var req stepBatchRequest
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	switch n := len(req.Steps); {
	case n == 0:
		fail(c, compliance.Errorf(compliance.ClassInvalid, "empty_batch", "批量提交须包含至少 1 条环节记录（steps）"))
		return
	case n > compliance.MaxBatchSteps:
		fail(c, compliance.Errorf(compliance.ClassTooLarge, "batch_too_large",
			"批量提交最多 %d 条环节记录，本次为 %d 条，请分批提交", compliance.MaxBatchSteps, n))
		return
	}
	_, bySession := c.Get("session")
	ans := stepBatchAnswer{Results: make([]stepBatchResult, len(req.Steps))}
	subs := make([]compliance.StepSubmission, 0, len(req.Steps))
	at := make([]int, 0, len(req.Steps)) // subs[k] is step at[k] of the batch
	for i, raw := range req.Steps {
		sub, err := batchStep(raw)
		ans.Results[i].ID = sub.ID
		if err != nil {
			ans.Results[i].Status, ans.Results[i].Body = errorAnswer(c, err)
			continue
		}
		sub.BySession = bySession
		subs = append(subs, sub)
		at = append(at, i)
	}
	for k, o := range h.cases.SubmitSteps(c.Request.Context(), account(c), subs) {
		r := &ans.Results[at[k]]
		if o.Err != nil {
			r.Status, r.Body = errorAnswer(c, o.Err)
			continue
		}
		r.Status, r.Body = savedStatus(o.Created), o.Result
	}
	for _, r := range ans.Results {
		switch r.Status {
		case http.StatusCreated:
			ans.Stored++
		case http.StatusOK:
			ans.Replayed++
		default:
			ans.Refused++
		}
	}
	c.JSON(http.StatusOK, ans)
}

// batchStep decodes one step of a batch as POST /api/v1/steps decodes its
// body. The submission carries the step's id whenever it could be read.
func batchStep(raw json.RawMessage) (compliance.StepSubmission, error) {
	var req stepRequest
	if err := decodeStrict(raw, &req); err != nil {
		var id struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(raw, &id) // only to name the step in its result
		return compliance.StepSubmission{ID: id.ID}, err
	}
	sub, err := req.toSubmission()
	sub.ID = req.ID
	return sub, err
}
