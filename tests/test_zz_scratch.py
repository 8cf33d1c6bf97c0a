import re
from .test_web_form import FORM, token

POWDER = {k: v for k, v in FORM.items() if not k.startswith("source.")}
POWDER.update({"source.kind": "api_powder", "powder.assay": "99.2", "powder.assay_basis": "as_is",
               "powder.lot": "API1", "powder.expiry": "2028-01", "method": "auto",
               "concurrent_medications": ""})

def test_scratch(client):
    r = client.post("/", data={**POWDER, "csrf_token": token(client)})
    page = r.get_data(as_text=True)
    print(r.status_code)
    i = page.find('id="preview"')
    print(re.sub(r"\s+", " ", page[i:i+1500]))
    r = client.post("/", data={**POWDER, "powder.assay": "", "powder.lot": "", "source.average_tablet_weight": "250", "csrf_token": token(client)})
    page = r.get_data(as_text=True)
    i = page.find('role="alert"')
    print(r.status_code, re.sub(r"\s+", " ", page[i:i+1500]))
