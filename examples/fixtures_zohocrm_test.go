package examples_test

// zohoCRMFixtureCases are zohocrm.xml's fixtures (fixtureCases).
var zohoCRMFixtureCases = []fixtureCase{}
