package examples_test

// frontFixtureCases are front.xml's fixtures (fixtureCases).
var frontFixtureCases = []fixtureCase{}
