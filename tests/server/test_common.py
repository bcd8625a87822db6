"""The OpenAPI document declares the error statuses the routes and the door checks answer."""

from __future__ import annotations

import httpx

from tests.server.conftest import API_KEY, LiveServer

AUTH = {"Authorization": f"Bearer {API_KEY}"}


def test_every_operation_declares_the_statuses_it_can_answer(live_server: LiveServer) -> None:
    doc = httpx.get(f"{live_server.url}/openapi.json", headers=AUTH).json()
    assert doc["components"]["schemas"]["ErrorBody"]["required"] == ["detail"]
    seen = 0
    for path, operations in doc["paths"].items():
        for method, spec in operations.items():
            seen += 1
            declared = set(spec["responses"])
            assert {"200", "413", "421", "500", "503"} <= declared, (method, path)
            assert ("401" in declared) == (path != "/v1/health"), (method, path)
            assert ("403" in declared) == (method != "get"), (method, path)
            if "{" in path:
                assert {"400", "404", "422"} <= declared, (method, path)
    assert seen >= 40
    sending = doc["paths"]["/v1/agents/{agent_id}/messages"]["post"]["responses"]
    assert {"409", "502"} <= set(sending)


def test_a_list_order_other_than_asc_or_desc_is_422(live_server: LiveServer) -> None:
    for path in ("/v1/agents", "/v1/blocks", "/v1/runs", "/v1/tools", "/v1/conversations"):
        response = httpx.get(f"{live_server.url}{path}", params={"order": "sideways"}, headers=AUTH)
        assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "order"], path
        assert httpx.get(f"{live_server.url}{path}", params={"order": "asc"}, headers=AUTH).status_code == 200


def test_a_wrong_method_is_405_listing_every_method_of_the_path(live_server: LiveServer) -> None:
    response = httpx.request("OPTIONS", f"{live_server.url}/v1/agents/agent-x", headers=AUTH)
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH"
    assert httpx.put(f"{live_server.url}/v1/blocks", headers=AUTH).headers["allow"] == "GET, POST"
