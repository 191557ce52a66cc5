-- wrk script: POST a feedback item like a contact-centre system would.
-- TOKEN comes from the environment; DELAY_MS (optional) paces each connection.
local token = os.getenv("TOKEN")
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
local texts = {
  "Päiväkotihakemuksen liitteen lataus pysähtyy, olen yrittänyt kolmena päivänä.",
  "Ansökan om skolskjuts går inte att skicka, knappen är grå fast allt är ifyllt.",
  "Ansøgning om hjælpemidler kan ikke gemmes, jeg mister alt hvad jeg har skrevet.",
  "Søknaden om felling av trær krever kart, men kartet laster aldri inn på mobilen.",
  "The library account page has been down all morning, nobody can log in.",
}
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format(
    '{"text": "%s", "channel": "api"}', texts[counter % #texts + 1])
  return wrk.format("POST", "/api/v1/feedback", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
if delay_ms > 0 then
  delay = function() return delay_ms end
end
