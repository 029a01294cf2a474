package examples_test

// dynamicsFixtureCases are dynamics365.xml's fixtures (fixtureCases).
var dynamicsFixtureCases = []fixtureCase{}
