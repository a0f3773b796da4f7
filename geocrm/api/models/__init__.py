"""Response models of the HTTP API: what every route answers, one module per API area.

Routes answer with ``response_model_exclude_unset=True``: an answer carries exactly the
fields the domain function gave, an optional field it left out stays out.
"""
