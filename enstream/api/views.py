"""What /api/ answers where no endpoint is: a 404 in the API's one error shape, for clients
that parse every answer as JSON (Django's own 404 is the portal's HTML page)."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from enstream.api.exceptions import error_body


@csrf_exempt  # any method reaches the 404; there is nothing here a forged request could do
def api_not_found(request: HttpRequest) -> JsonResponse:
    # The path is not echoed: a client may have put a card number in it by mistake.
    return JsonResponse(
        error_body("not_found", "No such endpoint. The reference is at /api/docs/."), status=404
    )
