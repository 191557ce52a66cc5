-- wrk script: POST feedback items as agents and contact-centre systems send them.
-- TOKEN comes from the environment; DELAY_MS (optional) paces each connection.
-- BODY=realistic (default): the mix they send — most with a contact who consents to a
-- thank-you, some without consent, some without contact; an e-service; a source_ref (the
-- idempotency look-up); personal data to redact (identity numbers, phones, e-mails); five
-- languages. BODY=light: only {"text", "channel"}, as the first version of this benchmark.
-- RUN (optional) keeps one run's source_refs apart from another's.
local token = os.getenv("TOKEN")
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
local light = os.getenv("BODY") == "light"
local run = os.getenv("RUN") or tostring(os.time())

local items = {
  {"fi", "daycare-application",
   "Päiväkotihakemuksen liitteen lataus pysähtyy, olen yrittänyt kolmena päivänä. " ..
   "Hakijana Matti Meikäläinen, hetu 131052-308T, soita numeroon 040 123 4567."},
  {"sv", "school-transport",
   "Ansökan om skolskjuts går inte att skicka, knappen är grå fast allt är ifyllt. " ..
   "Nå mig på anna.lindqvist@example.se eller +358 50 765 4321."},
  {"da", "assistive-devices",
   "Ansøgning om hjælpemidler kan ikke gemmes, jeg mister alt hvad jeg har skrevet, " ..
   "og jeg har prøvet tre gange i dag med den samme formular."},
  {"nb", "tree-felling-permit",
   "Søknaden om felling av trær krever kart, men kartet laster aldri inn på mobilen. " ..
   "Ring meg på 412 34 567, mvh Ola Nordmann (ola.nordmann@example.no)."},
  {"en", "library-account",
   "The library account page has been down all morning, nobody can log in. " ..
   "My card is for personal code 010190-123A, email me at j.smith@example.com."},
}
local contacts = {
  '{"email": "liisa.virtanen.%s@example.fi", "name": "Liisa Virtanen", "language": "%s", "consent": true}',
  '{"email": "erik.holm.%s@example.se", "language": "%s", "consent": true}',
  '{"email": "pekka.korhonen.%s@example.fi", "name": "Pekka Korhonen", "language": "%s", "consent": true}',
  '{"email": "no.thanks.%s@example.org", "language": "%s", "consent": false}',
}

local thread_number = 0
setup = function(thread)
  thread_number = thread_number + 1
  thread:set("thread_id", thread_number)
end

local counter = 0
request = function()
  counter = counter + 1
  local item = items[counter % #items + 1]
  local language, eservice, text = item[1], item[2], item[3]
  local body
  if light then
    body = string.format('{"text": "%s", "channel": "api"}', text)
  else
    -- Of every ten items: seven with a consenting contact, one without consent, two without.
    -- Each caller is a different citizen.
    local slot = counter % 10
    local caller = string.format("%s-%d-%d", run, thread_id or 0, counter)
    local contact = "null"
    if slot < 7 then
      contact = string.format(contacts[slot % 3 + 1], caller, language)
    elseif slot == 7 then
      contact = string.format(contacts[4], caller, language)
    end
    body = string.format(
      '{"text": "%s", "channel": "api", "eservice": "%s", "language": "%s", ' ..
      '"source_ref": "bench-%s-%d-%d", "contact": %s}',
      text, eservice, language, run, thread_id or 0, counter, contact)
  end
  return wrk.format("POST", "/api/v1/feedback", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
if delay_ms > 0 then
  delay = function() return delay_ms end
end
