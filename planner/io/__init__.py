"""Files in and out: data sets read and generated, plan folders named and read back, cells
made safe for spreadsheets. Nothing here plans or explains."""
