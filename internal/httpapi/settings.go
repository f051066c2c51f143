package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// getSettings answers GET /api/v1/settings: the district's names.
func (h *accountsAPI) getSettings(c *gin.Context) {
	c.JSON(http.StatusOK, h.accounts.DistrictSettings(c.Request.Context()))
}

// putSettings answers PUT /api/v1/settings with the whole settings object.
func (h *accountsAPI) putSettings(c *gin.Context) {
	answerBody(c, http.StatusOK, func(req settingsRequest) (any, error) {
		var in compliance.Settings
		if req.DistrictName != nil {
			in.DistrictName = *req.DistrictName
		}
		if req.Offices != nil {
			in.Offices = compliance.OfficeNames(*req.Offices)
		}
		return h.accounts.PutSettings(c.Request.Context(), account(c), in)
	})
}

// settingsRequest is the body of PUT /api/v1/settings; what is left out is
// nil.
type settingsRequest = struct {
	DistrictName *string `json:"district_name"`
	Offices      *struct {
		Egov        string `json:"egov"`
		Legal       string `json:"legal"`
		Oversight   string `json:"oversight"`
		Supervision string `json:"supervision"`
	} `json:"offices"`
}
