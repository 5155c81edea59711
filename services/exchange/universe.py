"""The listed stocks the exchange can trade: tickers, names, approximate mid-2012 prices.

Prices are round approximations of where these stocks traded around
1 August 2012, good enough for a simulation and not a record of the day.
Tier ``L``, ``M`` or ``S`` sets liquidity (daily volume, spread, quote size,
volatility; see ``symbols.py``). The last column, where given, fixes the
average daily volume in shares so that a calibration does not depend on the
seed.

``INCIDENT`` rows are stocks named in accounts of Knight's morning (the
SEC order, press reports of the six stocks whose trades NYSE broke); they
always come first.
"""

from __future__ import annotations

from typing import Final

INCIDENT: Final = """
WZE|Wizzard Software|3.50|S|400000
CO|China Cord Blood|2.47|S|600000
ANF|Abercrombie & Fitch|33.95|M|4000000
HOG|Harley-Davidson|42.60|M|2500000
ARC|American Reprographics|4.20|S|500000
EJ|E-House China|4.40|S|700000
ZQK|Quiksilver|2.60|S|1500000
REED|Reed's|4.50|S|150000
KCG|Knight Capital Group|10.33|M|3000000
RSH|RadioShack|3.60|M|6000000
"""

POOL: Final = """
AAPL|Apple|606.00|L
MSFT|Microsoft|29.40|L
XOM|Exxon Mobil|87.00|L
GE|General Electric|20.60|L
T|AT&T|37.50|L
PFE|Pfizer|24.00|L
JNJ|Johnson & Johnson|69.00|L
WMT|Wal-Mart Stores|74.40|L
PG|Procter & Gamble|64.80|L
JPM|JPMorgan Chase|36.00|L
WFC|Wells Fargo|33.80|L
BAC|Bank of America|7.30|L
C|Citigroup|27.10|L
KO|Coca-Cola|79.50|L
PEP|PepsiCo|72.70|L
CVX|Chevron|109.00|L
IBM|IBM|196.00|L
INTC|Intel|26.40|L
CSCO|Cisco Systems|16.00|L
ORCL|Oracle|30.20|L
GOOG|Google|632.00|L
AMZN|Amazon.com|233.00|L
VZ|Verizon|45.10|L
MRK|Merck|44.20|L
MCD|McDonald's|89.00|L
DIS|Walt Disney|49.10|L
HD|Home Depot|52.50|L
BA|Boeing|74.00|L
CAT|Caterpillar|83.50|L
HPQ|Hewlett-Packard|18.20|L
F|Ford Motor|9.20|L
GM|General Motors|19.70|L
AA|Alcoa|8.50|L
QCOM|Qualcomm|59.00|L
GS|Goldman Sachs|98.50|L
MS|Morgan Stanley|13.60|L
SIRI|Sirius XM Radio|2.15|L
NOK|Nokia|2.45|L
FB|Facebook|21.70|L
CMCSA|Comcast|32.80|L
FCX|Freeport-McMoRan|33.40|L
EMC|EMC|26.10|L
AIG|American International Group|31.00|L
SLB|Schlumberger|71.00|L
MO|Altria|36.20|L
M|Macy's|34.90|M
JCP|J.C. Penney|22.40|M
BBY|Best Buy|18.00|M
GPS|Gap|29.70|M
KSS|Kohl's|49.80|M
TIF|Tiffany|55.00|M
COH|Coach|50.20|M
NFLX|Netflix|56.00|M
RIMM|Research In Motion|7.10|M
AMD|Advanced Micro Devices|4.00|M
NVDA|Nvidia|13.30|M
YHOO|Yahoo!|15.80|M
EBAY|eBay|44.10|M
DELL|Dell|12.00|M
XRX|Xerox|7.00|M
JNPR|Juniper Networks|17.00|M
MU|Micron Technology|6.20|M
S|Sprint Nextel|4.30|M
FTR|Frontier Communications|4.00|M
LVS|Las Vegas Sands|38.00|M
MGM|MGM Resorts|9.60|M
CCL|Carnival|33.20|M
DAL|Delta Air Lines|10.00|M
UAL|United Continental|20.00|M
LUV|Southwest Airlines|9.10|M
X|United States Steel|21.00|M
CLF|Cliffs Natural Resources|40.00|M
ANR|Alpha Natural Resources|6.80|M
ACI|Arch Coal|6.90|M
BTU|Peabody Energy|21.00|M
CHK|Chesapeake Energy|19.00|M
HAL|Halliburton|33.00|M
GME|GameStop|16.60|M
BBBY|Bed Bath & Beyond|61.00|M
KR|Kroger|22.20|M
CVS|CVS Caremark|45.30|M
WAG|Walgreen|36.00|M
SBUX|Starbucks|45.50|M
YUM|Yum! Brands|65.00|M
CMG|Chipotle Mexican Grill|292.00|M
PCLN|Priceline.com|660.00|M
ZNGA|Zynga|3.00|M
GRPN|Groupon|6.50|M
LNKD|LinkedIn|104.00|M
P|Pandora Media|10.50|M
HTZ|Hertz Global|12.00|M
AVP|Avon Products|15.50|M
WFM|Whole Foods Market|91.00|M
PBI|Pitney Bowes|13.20|M
NYT|New York Times|7.80|M
NYX|NYSE Euronext|25.60|M
NDAQ|Nasdaq OMX|22.60|M
ETFC|E*Trade Financial|8.10|M
SCHW|Charles Schwab|12.90|M
AMTD|TD Ameritrade|16.00|M
HBAN|Huntington Bancshares|6.20|M
RF|Regions Financial|6.90|M
KEY|KeyCorp|7.90|M
FITB|Fifth Third Bancorp|13.80|M
KBH|KB Home|9.50|M
PHM|PulteGroup|10.50|M
LEN|Lennar|29.50|M
DHI|D.R. Horton|18.00|M
TOL|Toll Brothers|31.50|M
AEO|American Eagle Outfitters|20.50|M
ARO|Aeropostale|19.50|M
URBN|Urban Outfitters|29.00|M
SKS|Saks|11.00|M
SYMC|Symantec|15.80|M
FSLR|First Solar|15.00|M
AUY|Yamana Gold|15.00|M
MCP|Molycorp|10.80|M
ALU|Alcatel-Lucent|1.15|M
SVU|Supervalu|2.40|S
RAD|Rite Aid|1.25|S
ODP|Office Depot|1.80|S
OMX|OfficeMax|4.50|S
HOV|Hovnanian Enterprises|2.90|S
BZH|Beazer Homes|2.90|S
SPF|Standard Pacific|6.00|S
PSUN|Pacific Sunwear|1.90|S
WTSL|Wet Seal|3.00|S
BEBE|bebe stores|6.00|S
BONT|Bon-Ton Stores|6.70|S
HGG|hhgregg|8.00|S
CBK|Christopher & Banks|1.20|S
DRYS|DryShips|2.20|S
HL|Hecla Mining|4.50|S
NG|NovaGold Resources|5.00|S
UEC|Uranium Energy|2.40|S
SPWR|SunPower|4.30|S
TSL|Trina Solar|3.80|S
JKS|JinkoSolar|3.00|S
YGE|Yingli Green Energy|1.40|S
STP|Suntech Power|1.05|S
RENN|Renren|3.70|S
DANG|E-Commerce China Dangdang|5.50|S
NQ|NQ Mobile|7.00|S
YOKU|Youku Tudou|20.00|S
FCEL|FuelCell Energy|1.05|S
KOG|Kodiak Oil & Gas|8.50|S
GERN|Geron|1.60|S
BKS|Barnes & Noble|12.50|S
AMRN|Amarin|13.50|S
SD|SandRidge Energy|6.60|S
MGIC|Magic Software|4.60|S
GLUU|Glu Mobile|4.70|S
ZAGG|ZAGG|11.00|S
LQDT|Liquidity Services|51.00|S
"""
