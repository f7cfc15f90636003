"""Drives an unmodified zeep (Debian's python3-zeep) through the partner
API, with Salesforce's own partner WSDL of API 38.0, for the Go end-to-end
tests. Input: one JSON object as argv[1]; output: one JSON object on
stdout. Session ids never leave this process.

  {"op": "login", "wsdl": ".../partner-38.0.wsdl", "loginUrl": "http://127.0.0.1:3000",
   "username": "u", "password": "p"}
      login, then getUserInfo on the serverUrl with the session
  {"op": "set-password", ..., "newPassword": "n"}
      login, getUserInfo, setPassword for the user's own id (first with
      "badPassword", if given), then getUserInfo again with the same session
"""
import json
import sys

import zeep
from zeep.exceptions import Fault

BINDING = "{urn:partner.soap.sforce.com}SoapBinding"


def fault(err):
    # zeep's Fault: faultcode and faultstring; Salesforce's ExceptionCode is
    # the part of faultstring before ": ".
    return {"ok": False, "faultcode": err.code or "", "message": err.message or "",
            "code": (err.message or "").split(":", 1)[0]}


def result(res):
    # An operation whose output declares SOAP headers (getUserInfo's
    # LimitInfoHeader) comes back as body and header; its body holds the
    # response element's result.
    body = getattr(res, "body", None)
    if body is not None:
        return body["result"]
    return res


def user_info(server, header):
    try:
        info = result(server.getUserInfo(_soapheaders=header))
        return {"ok": True, "userName": info.userName, "userId": info.userId,
                "organizationId": info.organizationId, "userTimeZone": info.userTimeZone}
    except Fault as err:
        return fault(err)


def main():
    cmd = json.loads(sys.argv[1])
    # strict: every response must match the WSDL exactly.
    client = zeep.Client(cmd["wsdl"], settings=zeep.Settings(strict=True, raw_response=False))
    login = client.create_service(BINDING, cmd["loginUrl"] + "/services/Soap/u/38.0")
    try:
        res = login.login(username=cmd["username"], password=cmd["password"])
    except Fault as err:
        return {"login": fault(err)}
    out = {"login": {"ok": True, "passwordExpired": bool(res.passwordExpired), "userId": res.userId,
                     "serverUrl": res.serverUrl, "userName": res.userInfo.userName}}
    server = client.create_service(BINDING, res.serverUrl)
    header = {"SessionHeader": {"sessionId": res.sessionId}}
    out["userInfo"] = user_info(server, header)
    if cmd["op"] == "set-password":
        if cmd.get("badPassword"):
            try:
                server.setPassword(userId=res.userId, password=cmd["badPassword"], _soapheaders=header)
                out["setBadPassword"] = {"ok": True}
            except Fault as err:
                out["setBadPassword"] = fault(err)
        try:
            server.setPassword(userId=res.userId, password=cmd["newPassword"], _soapheaders=header)
            out["setPassword"] = {"ok": True}
        except Fault as err:
            out["setPassword"] = fault(err)
        out["userInfoAfter"] = user_info(server, header)
    return out


if __name__ == "__main__":
    try:
        print(json.dumps(main()))
    except Exception as err:  # the harness itself failed: say so, and how
        print(json.dumps({"harness": type(err).__name__ + ": " + str(err)}))
