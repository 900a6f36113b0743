"""Equipment register: every serial-numbered device, who has it, and its whole history.

Serves «Drifte utstyrslager og logistikk», «Gjøre tilpasninger og installere» and
«Evaluere og avslutte tjenesten» in Helhetlig tjenestemodell.
"""
