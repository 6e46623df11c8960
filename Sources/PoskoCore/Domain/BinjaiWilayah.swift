/// Kota Binjai's Kemendagri codes as Posko ships them.
///
/// Derived from `shared/data/wilayah/binjai.csv` (cahyadsn/wilayah, MIT, Kepmendagri
/// No 300.2.2-2138 Tahun 2025; centroids from cahyadsn/wilayah_boundaries). Same columns.
enum BinjaiWilayah {
    static let csv = """
kode,nama,level,parent,lat,lon
12.75,Kota Binjai,kota,12,3.600227,98.489219
12.75.01,Binjai Utara,kecamatan,12.75,3.642868,98.498290
12.75.01.1001,Pahlawan,kelurahan,12.75.01,3.623128,98.497166
12.75.01.1002,Jati Negara,kelurahan,12.75.01,3.613641,98.497535
12.75.01.1003,Nangka,kelurahan,12.75.01,3.617833,98.506180
12.75.01.1004,Damai,kelurahan,12.75.01,3.637924,98.494269
12.75.01.1005,Kebun Lada,kelurahan,12.75.01,3.631506,98.489180
12.75.01.1006,Cengkeh Turi,kelurahan,12.75.01,3.652443,98.487913
12.75.01.1007,Jati Utomo,kelurahan,12.75.01,3.661573,98.506917
12.75.01.1008,Jati Makmur,kelurahan,12.75.01,3.630902,98.507209
12.75.01.1009,Jati Karya,kelurahan,12.75.01,3.644888,98.505600
12.75.02,Binjai Kota,kecamatan,12.75,3.600754,98.478436
12.75.02.1001,Berngam,kelurahan,12.75.02,3.596734,98.470802
12.75.02.1002,Satria,kelurahan,12.75.02,3.599106,98.481916
12.75.02.1003,Setia,kelurahan,12.75.02,3.604383,98.490018
12.75.02.1004,Kartini,kelurahan,12.75.02,3.602784,98.485718
12.75.02.1005,Tangsi,kelurahan,12.75.02,3.605867,98.481379
12.75.02.1006,Binjai,kelurahan,12.75.02,3.606848,98.486092
12.75.02.1007,Pekan Binjai,kelurahan,12.75.02,3.610949,98.491042
12.75.03,Binjai Barat,kecamatan,12.75,3.618462,98.468688
12.75.03.1001,Bandar Senembah,kelurahan,12.75.03,3.601608,98.456867
12.75.03.1002,Limau Mungkur,kelurahan,12.75.03,3.609259,98.476546
12.75.03.1003,Limau Sundai,kelurahan,12.75.03,3.614404,98.486261
12.75.03.1004,Paya Roba,kelurahan,12.75.03,3.635005,98.474493
12.75.03.1005,Suka Maju,kelurahan,12.75.03,3.609494,98.452713
12.75.03.1006,Sukaramai,kelurahan,12.75.03,3.611550,98.467520
12.75.04,Binjai Timur,kecamatan,12.75,3.596388,98.517684
12.75.04.1001,Tanah Tinggi,kelurahan,12.75.04,3.610752,98.504544
12.75.04.1002,Dataran Tinggi,kelurahan,12.75.04,3.605987,98.506377
12.75.04.1003,Timbang Langkat,kelurahan,12.75.04,3.600800,98.503580
12.75.04.1004,Mencirim,kelurahan,12.75.04,3.593468,98.499735
12.75.04.1005,Tunggurono,kelurahan,12.75.04,3.586874,98.521305
12.75.04.1006,Sumber Mulyorejo,kelurahan,12.75.04,3.620239,98.519219
12.75.04.1007,Sumber Karya,kelurahan,12.75.04,3.613830,98.528221
12.75.05,Binjai Selatan,kecamatan,12.75,3.565179,98.471411
12.75.05.1001,Tanah Merah,kelurahan,12.75.05,3.561753,98.458019
12.75.05.1002,Binjai Estate,kelurahan,12.75.05,3.584616,98.481084
12.75.05.1003,Bhakti Karya,kelurahan,12.75.05,3.552714,98.469071
12.75.05.1004,Rambung Dalam,kelurahan,12.75.05,3.591533,98.494654
12.75.05.1005,Pujidadi,kelurahan,12.75.05,3.574997,98.490367
12.75.05.1006,Tanah Seribu,kelurahan,12.75.05,3.561576,98.486764
12.75.05.1007,Rambung Barat,kelurahan,12.75.05,3.593813,98.488308
12.75.05.1008,Rambung Timur,kelurahan,12.75.05,3.599605,98.492143
"""
}
