package generate

var firstNames = []string{
	"Anna", "Ben", "Carla", "David", "Elena", "Felix", "Grace", "Hugo", "Ines", "Jonas",
	"Karin", "Liam", "Maria", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Samuel", "Tara",
	"Umar", "Vera", "William", "Xenia", "Yusuf", "Zoe", "Amelia", "Bruno", "Chloe", "Daniel",
	"Emma", "Finn", "Giulia", "Henrik", "Isabel", "Jack", "Leah", "Marco", "Nina", "Oscar",
	"Priya", "Rafael", "Sofia", "Thomas", "Ursula", "Victor", "Wanda", "Yara", "Aisha", "Lukas",
	"Mei", "Kenji", "Fatima", "Diego", "Hannah", "Ivan", "Julia", "Kofi", "Laura", "Mateo",
}

var lastNames = []string{
	"Adams", "Becker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen",
	"Keller", "Lopez", "Martin", "Nowak", "O'Brien", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka",
	"Novak", "Vargas", "Weber", "Young", "Zimmermann", "Bauer", "Chen", "Dumont", "Ferreira", "Gomez",
	"Horvat", "Iversen", "Kowalski", "Larsen", "Meyer", "Nielsen", "Okafor", "Patel", "Richter", "Silva",
	"Torres", "Ulrich", "Vogel", "Walsh", "Yilmaz", "Brennan", "Castillo", "Eriksson", "Fontaine", "Moreau",
}

var companyWords = []string{
	"Northwind", "Bluefield", "Brightwater", "Cedar", "Silverline", "Redstone", "Greenway", "Harbor",
	"Ironwood", "Lakeside", "Maple", "Summit", "Oakridge", "Pioneer", "Riverbend", "Sterling",
	"Westgate", "Crescent", "Evergreen", "Granite", "Highland", "Keystone", "Lighthouse", "Meridian",
	"Orchard", "Pinecrest", "Quarry", "Sunrise", "Tidewater", "Union", "Valley", "Windmill",
}

var companyNouns = []string{
	"Logistics", "Foods", "Dental", "Builders", "Consulting", "Printing", "Motors", "Textiles",
	"Analytics", "Pharmacy", "Bakery", "Hotels", "Labs", "Outfitters", "Media", "Systems",
	"Electric", "Garden Supply", "Optics", "Freight", "Studios", "Clinics", "Engineering", "Cafe",
}

var companySuffixes = []string{"Ltd", "Inc", "GmbH", "& Co", "LLC", "Group", "AG", "SA", "BV", ""}

// personName and companyName build display names from the word lists.
func personName(r *rng) string {
	return firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))]
}

func companyName(r *rng) string {
	s := companyWords[r.IntN(len(companyWords))] + " " + companyNouns[r.IntN(len(companyNouns))]
	if suf := companySuffixes[r.IntN(len(companySuffixes))]; suf != "" {
		s += " " + suf
	}
	return s
}
