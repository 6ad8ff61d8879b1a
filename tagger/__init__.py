"""Tag every canonical photo of the catalog, choose route covers and topos, draw the contact sheet."""
