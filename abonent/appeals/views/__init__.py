"""The back-office screens of the appeals registry, one module per screen; views stay thin and call
the services in abonent.appeals.services for every change."""
