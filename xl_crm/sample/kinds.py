"""Names of the sample-data generators a field may ask for with ``sample:``.

The generators themselves live in :mod:`xl_crm.sample.rows` and :mod:`xl_crm.sample.texts`;
this list is kept apart so the spec models can check names without importing numpy.
"""

SAMPLE_KINDS: dict[str, str] = {
    "person_name": "a person's name, Chinese or Latin",
    "company": "a company name",
    "job_title": "a job title",
    "industry": "an industry",
    "city": "a city",
    "address": "a street address",
    "note": "a short remark",
    "service_request": "a hotel guest's service request",
    "product": "a product or purchase description",
    "car_model": "a car model",
    "vin": "a 17-character vehicle identification number (with check digit)",
    "plate": "a Chinese licence plate",
    "mileage": "an odometer reading in km",
    "code": "an identifier such as ORD00001234",
    "owner": "a salesperson's name",
    "sequence": "1, 2, 3 ... (row number)",
}
